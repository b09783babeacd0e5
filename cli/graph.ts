import type { AslDefinition, AslState } from '../statemachines/compile.ts';

interface Edge {
  from: string;
  to: string;
  label?: string;
}

/** Every transition of a definition, in state order, labelled for errors and choices. */
export function edgesOf(definition: AslDefinition): Edge[] {
  const edges: Edge[] = [];
  for (const [from, state] of Object.entries(definition.States)) {
    for (const [i, c] of ((state.Choices ?? []) as { Next: string }[]).entries()) {
      edges.push({
        from,
        to: c.Next,
        label: i === 0 && String(state.Comment).includes('missing') ? 'missing' : 'if',
      });
    }
    if (typeof state.Default === 'string') edges.push({ from, to: state.Default, label: 'else' });
    if (typeof state.Next === 'string') edges.push({ from, to: state.Next });
    for (const c of (state.Catch ?? []) as { ErrorEquals: string[]; Next: string }[]) {
      edges.push({ from, to: c.Next, label: c.ErrorEquals.join(',') });
    }
  }
  return edges;
}

/** 7200 -> `2h`, 90 -> `1m30s`: the workflow's own way of writing durations. */
function duration(seconds: number): string {
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = seconds;
  let out = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out || '0s';
}

function kind(state: AslState): string {
  const resource = String(state.Resource ?? '');
  if (resource.includes('waitForTaskToken'))
    return `approval, waits up to ${duration(Number(state.TimeoutSeconds))}`;
  if (resource.includes('codebuild')) return 'build';
  if (state.Type === 'Task') return 'task';
  return String(state.Type).toLowerCase();
}

/** The states and transitions as indented text, for a terminal. */
export function graphText(name: string, definition: AslDefinition): string {
  const edges = edgesOf(definition);
  const lines = [`${name}: start at ${definition.StartAt}`];
  for (const [state, body] of Object.entries(definition.States)) {
    lines.push(`  ${state} (${kind(body)})`);
    for (const e of edges.filter((x) => x.from === state))
      lines.push(`    ${e.label ? `${e.label} ` : ''}-> ${e.to}`);
  }
  return lines.join('\n');
}

/** The states and transitions as a Mermaid flowchart. */
export function graphMermaid(definition: AslDefinition): string {
  const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
  const lines = ['flowchart TD'];
  for (const [state, body] of Object.entries(definition.States)) {
    const shape =
      body.Type === 'Choice'
        ? `{"${state}"}`
        : body.Type === 'Succeed' || body.Type === 'Fail'
          ? `(["${state}"])`
          : `["${state}"]`;
    lines.push(`  ${id(state)}${shape}`);
  }
  for (const e of edgesOf(definition)) {
    lines.push(`  ${id(e.from)} -->${e.label ? `|${e.label.replace(/\|/g, '/')}|` : ''} ${id(e.to)}`);
  }
  return lines.join('\n');
}

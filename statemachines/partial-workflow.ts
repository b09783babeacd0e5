import { checkWorkflow, type WorkflowContext } from './check-workflow.ts';
import { type Step, stepSchema, workflowSchema } from './schema.ts';
import type { Problem, YamlSource } from './yaml-source.ts';

/**
 * Runs the cross-checks over the parts of a workflow that passed the schema when the whole
 * did not: each step is validated on its own and checked under its position in the file.
 */
export function checkPartialWorkflow(source: YamlSource, context: WorkflowContext): Problem[] {
  const value = source.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const written = value as Record<string, unknown>;
  // Without a list of steps there is nothing to cross-check; the schema has said why.
  if (!Array.isArray(written.steps)) return [];
  const steps: Step[] = [];
  const indexes: number[] = [];
  written.steps.forEach((raw: unknown, i) => {
    const parsed = stepSchema.safeParse(raw);
    if (parsed.success) {
      steps.push(parsed.data);
      indexes.push(i);
    }
  });
  // A trigger section that failed the schema is left to its schema problems; the default
  // stands in for it. Name and description take no part in the cross-checks; the environment's
  // defaults do.
  const triggerSchema = workflowSchema.shape.triggers;
  const triggers = triggerSchema.safeParse(written.triggers);
  const workflow = {
    name: '',
    description: '',
    environment: typeof written.environment === 'string' ? written.environment : '',
    triggers: triggers.success ? triggers.data : triggerSchema.parse(undefined),
    lock: workflowSchema.shape.lock.parse(undefined),
    supersede: true,
    steps,
  };
  return checkWorkflow(workflow, source, context, { indexes, raw: written.steps });
}

/** Merges two lists of problems by line and column, keeping each list's own order. */
export function mergeInFileOrder(a: Problem[], b: Problem[]): Problem[] {
  const out: Problem[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x && (!y || x.line < y.line || (x.line === y.line && x.column <= y.column))) {
      out.push(x);
      i++;
    } else if (y) {
      out.push(y);
      j++;
    }
  }
  return out;
}

import type { z } from 'zod';
import type { PathSegment, Problem, YamlSource } from './yaml-source.ts';

/** Turns zod issues into problems with file:line:column and a message naming the field. */
export function issuesToProblems(
  source: YamlSource,
  schema: z.ZodType,
  issues: z.core.$ZodIssue[],
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, source.value, path);
      for (const key of issue.keys) {
        const hint = allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : '';
        problems.push(
          source.problem([...path, key], `${label([...path, key])}: unknown field${hint}`, { key: true }),
        );
      }
      continue;
    }
    problems.push(source.problem(path, `${label(path)}: ${describe(issue, valueAt(source.value, path))}`));
  }
  return problems;
}

/** `steps[1].timeout` style label for a path. */
export function label(path: readonly PathSegment[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? '(top level)' : out;
}

function describe(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined
        ? `is required (expected ${issue.expected})`
        : `must be ${article(issue.expected)}, got ${typeName(value)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${show(value)}`;
    case 'invalid_union': {
      const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
      if (discriminator && options)
        return `must be one of ${options.map((v) => JSON.stringify(v)).join(', ')}, got ${show(value)}`;
      return 'does not match any allowed form';
    }
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be at least ${issue.minimum}, got ${show(value)}`;
    case 'too_big':
      return `must be at most ${issue.maximum}, got ${show(value)}`;
    case 'invalid_format':
      return `${issue.message.startsWith('Invalid') ? `must be a valid ${issue.format}` : issue.message}, got ${show(value)}`;
    default:
      return issue.message;
  }
}

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${show(v)}`;
}

function show(v: unknown): string {
  const text = JSON.stringify(v);
  if (text === undefined) return 'nothing';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p as string];
  }
  return v;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The keys the schema allows for the object at `path` (used to suggest fixes). */
function allowedKeys(schema: z.ZodType, root: unknown, path: readonly PathSegment[]): string[] {
  let current: z.ZodType | undefined = schema;
  let value = root;
  for (let i = 0; i <= path.length && current; i++) {
    current = unwrap(current, value);
    if (i === path.length) break;
    const segment = path[i] as PathSegment;
    const def: Def = defOf(current);
    value = (value as Record<string, unknown> | undefined)?.[segment as string];
    current = def.shape?.[segment as string] ?? def.element ?? def.valueType;
  }
  const shape = current ? defOf(current).shape : undefined;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let s = schema;
  for (let guard = 0; guard < 20; guard++) {
    const def = defOf(s);
    if (def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else if (def.type === 'union' && def.options) {
      const tag = def.discriminator
        ? (value as Record<string, unknown> | undefined)?.[def.discriminator]
        : undefined;
      const match = def.options.find((o) => {
        const shape = defOf(unwrap(o, value)).shape;
        const lit = shape && def.discriminator ? shape[def.discriminator] : undefined;
        return lit && (defOf(lit) as { values?: unknown[] }).values?.includes(tag);
      });
      s = match ?? (def.options[0] as z.ZodType);
      if (!match) return s;
    } else return s;
  }
  return s;
}

/** Reading a YAML file into a schema's type, every problem with file:line:column. */
import type { z } from 'zod';
import { type Problem, parseYamlSource, type YamlSource } from './yaml-source.ts';
import { issuesToProblems } from './zod-problems.ts';

/** The outcome of loading one file: the typed value, or every problem found. */
export type Loaded<T> = { ok: true; value: T; source: YamlSource } | { ok: false; problems: Problem[] };

export function readYaml(
  text: string,
  file: string,
): { ok: true; source: YamlSource } | { ok: false; problems: Problem[] } {
  const source = parseYamlSource(text, file);
  if (source.problems.length > 0) return { ok: false, problems: source.problems };
  if (source.value === undefined || source.value === null) {
    return { ok: false, problems: [{ file, line: 1, column: 1, message: 'the file is empty' }] };
  }
  return { ok: true, source };
}

export function parseWith<S extends z.ZodType>(schema: S, text: string, file: string): Loaded<z.output<S>> {
  const read = readYaml(text, file);
  if (!read.ok) return read;
  const { source } = read;
  const parsed = schema.safeParse(source.value);
  if (!parsed.success) return { ok: false, problems: issuesToProblems(source, schema, parsed.error.issues) };
  return { ok: true, value: parsed.data, source };
}

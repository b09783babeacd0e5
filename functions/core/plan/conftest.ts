/**
 * Reads `conftest test --output json` results. Conftest's `deny`/`violation` rules fail
 * the test (mandatory here, as conftest itself exits non-zero), its `warn` rules do not
 * (advisory). Conftest reports passing rules as a count only, so each file and namespace
 * with successes becomes one passed result.
 */
import { z } from 'zod';
import type { PolicyResult } from './policy-results.ts';

const message = z.looseObject({ msg: z.string(), metadata: z.record(z.string(), z.unknown()).optional() });

const conftestSchema = z.array(
  z.looseObject({
    filename: z.string(),
    namespace: z.string().default('main'),
    successes: z.number().int().min(0).default(0),
    failures: z.array(message).nullable().default([]),
    warnings: z.array(message).nullable().default([]),
    exceptions: z.array(message).nullable().default([]),
  }),
);

/** Parses conftest's JSON output into policy results; throws when it is not conftest JSON. */
export function parseConftest(input: string | unknown): PolicyResult[] {
  const value = typeof input === 'string' ? JSON.parse(input) : input;
  const results: PolicyResult[] = [];
  for (const file of conftestSchema.parse(value)) {
    const name = `conftest ${file.namespace}`;
    for (const f of file.failures ?? []) {
      results.push({ name, source: 'conftest', severity: 'mandatory', passed: false, message: f.msg });
    }
    for (const w of file.warnings ?? []) {
      results.push({ name, source: 'conftest', severity: 'advisory', passed: false, message: w.msg });
    }
    if (file.successes > 0) {
      const message = `${file.successes} rule${file.successes === 1 ? '' : 's'} passed on ${file.filename}`;
      results.push({ name, source: 'conftest', severity: 'mandatory', passed: true, message });
    }
  }
  return results;
}

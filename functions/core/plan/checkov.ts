/**
 * Reads `checkov -o json` results: one report object, or an array of them when Checkov
 * ran more than one framework. Failed checks are mandatory, matching Checkov's own
 * non-zero exit; pass `severity: 'advisory'` for a soft-fail project.
 */
import { z } from 'zod';
import type { PolicyResult } from './policy-results.ts';

const check = z.looseObject({
  check_id: z.string(),
  check_name: z.string().optional(),
  resource: z.string().optional(),
  guideline: z.string().nullable().optional(),
});

const report = z.looseObject({
  check_type: z.string().optional(),
  results: z.looseObject({
    passed_checks: z.array(check).default([]),
    failed_checks: z.array(check).default([]),
  }),
});

// With nothing to scan, Checkov prints a bare summary object without `results`.
const emptyReport = z.looseObject({ passed: z.number(), failed: z.number() });

const checkovSchema = z.union([z.array(report), report, emptyReport]);

function toResult(
  c: z.infer<typeof check>,
  passed: boolean,
  severity: PolicyResult['severity'],
): PolicyResult {
  const name = c.check_name ? `${c.check_id} ${c.check_name}` : c.check_id;
  const where = c.resource ? `on ${c.resource}` : undefined;
  const message = passed
    ? where
    : [where, c.guideline ? `see ${c.guideline}` : undefined].filter(Boolean).join('; ');
  return { name, source: 'checkov', severity, passed, ...(message ? { message } : {}) };
}

/** Parses Checkov's JSON output into policy results; throws when it is not Checkov JSON. */
export function parseCheckov(
  input: string | unknown,
  opts: { severity?: PolicyResult['severity'] } = {},
): PolicyResult[] {
  const severity = opts.severity ?? 'mandatory';
  const value = checkovSchema.parse(typeof input === 'string' ? JSON.parse(input) : input);
  const reports = Array.isArray(value) ? value : 'results' in value ? [value as z.infer<typeof report>] : [];
  return reports.flatMap((r) => [
    ...r.results.failed_checks.map((c) => toResult(c, false, severity)),
    ...r.results.passed_checks.map((c) => toResult(c, true, severity)),
  ]);
}

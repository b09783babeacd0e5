/**
 * Reads Infracost's `breakdown --format json` output (schema version 0.2) into signoff's
 * CostSummary. Infracost writes money as decimal strings, or null where nothing has a
 * monthly price (free or purely usage-based resources), which Infracost itself shows as $0.
 */
import { z } from 'zod';
import type { CostSummary } from '../../../statemachines/contract.ts';

const money = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number as text')
  .nullable()
  .optional();

const infracostSchema = z.looseObject({
  version: z.string().optional(),
  currency: z.string().min(1).default('USD'),
  totalMonthlyCost: money,
  pastTotalMonthlyCost: money,
  diffTotalMonthlyCost: money,
  projects: z
    .array(
      z.looseObject({
        pastBreakdown: z.looseObject({ totalMonthlyCost: money }).nullable().optional(),
        breakdown: z.looseObject({ totalMonthlyCost: money }).nullable().optional(),
      }),
    )
    .default([]),
});

/** A cost summary that says no estimate was made, and why; never a number. */
export function notEstimated(reason: string): CostSummary {
  return { estimated: false, reason };
}

const cents = (n: number) => Math.round(n * 100) / 100;

function sumProjects(values: (string | null | undefined)[]): number | undefined {
  if (values.length === 0 || values.some((v) => v === undefined)) return undefined;
  return values.reduce((total, v) => total + Number(v ?? 0), 0);
}

/** Parses Infracost JSON (text or value); output that is not Infracost's gives `estimated: false`. */
export function parseInfracost(input: string | unknown): CostSummary {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return notEstimated('the cost output is not JSON');
    }
  }
  const parsed = infracostSchema.safeParse(value);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    return notEstimated(
      `the cost output is not Infracost JSON (${problem?.path.join('.')}: ${problem?.message})`,
    );
  }
  const out = parsed.data;
  if (out.totalMonthlyCost === undefined) return notEstimated('the cost output has no totalMonthlyCost');
  const after = Number(out.totalMonthlyCost ?? 0);
  // Older Infracost versions (before past/diff totals existed at the top level) only have
  // them per project.
  const before =
    out.pastTotalMonthlyCost !== undefined
      ? Number(out.pastTotalMonthlyCost ?? 0)
      : sumProjects(out.projects.map((p) => p.pastBreakdown?.totalMonthlyCost));
  if (before === undefined)
    return notEstimated('the cost output has no past total, so the change is unknown');
  const delta =
    out.diffTotalMonthlyCost !== undefined && out.diffTotalMonthlyCost !== null
      ? Number(out.diffTotalMonthlyCost)
      : after - before;
  return {
    estimated: true,
    currency: out.currency,
    monthly_before: cents(before),
    monthly_after: cents(after),
    monthly_delta: cents(delta),
  };
}

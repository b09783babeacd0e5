/**
 * How the facts of a gate read: change counts in Terraform's words, money, policy results,
 * durations and times. Shared by the approval view and the gate card.
 */
import type { CostSummary, PlanSummary, PolicySummary } from '../../../statemachines/contract.ts';

/** Terraform's wording: `3 to add, 1 to change, 0 to destroy`, plus replacements when any. */
export function formatChanges(plan: Pick<PlanSummary, 'add' | 'change' | 'destroy' | 'replace'>): string {
  const base = `${plan.add} to add, ${plan.change} to change, ${plan.destroy} to destroy`;
  return plan.replace > 0 ? `${base}, ${plan.replace} to replace` : base;
}

/** A monthly cost delta with its sign, or why there is none. */
export function formatCost(cost: CostSummary | undefined): string {
  if (!cost) return 'not estimated';
  if (!cost.estimated) return `not estimated (${cost.reason})`;
  const delta = cost.monthly_delta;
  const sign = delta > 0 ? '+' : delta < 0 ? '-' : '';
  const amount = Math.abs(delta).toFixed(2);
  const money = cost.currency === 'USD' ? `$${amount}` : `${amount} ${cost.currency}`;
  return `${sign}${money}/month`;
}

/** Passed and failed policy checks in one line. */
export function formatPolicies(policy: PolicySummary | undefined): string {
  if (!policy) return 'not checked';
  const total = policy.passed + policy.failed;
  if (total === 0) return 'no checks configured';
  if (policy.failed === 0) return `✓ All ${total} check${total === 1 ? '' : 's'} passed`;
  const mandatory = policy.mandatory_failed > 0 ? ` (${policy.mandatory_failed} mandatory)` : '';
  return `✗ ${policy.failed} of ${total} checks failed${mandatory}`;
}

/** A duration from now: `in 4 hours`, `in 1 minute`, `expired 3 days ago`. */
export function formatRelative(ms: number): string {
  const text = formatDuration(Math.abs(ms));
  return ms >= 0 ? `in ${text}` : `expired ${text} ago`;
}

/** A duration in its largest whole unit: `4 hours`, `35 minutes`, `less than a minute`. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  const units: [number, string][] = [
    [24 * 60, 'day'],
    [60, 'hour'],
    [1, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (minutes >= size) {
      const n = Math.floor(minutes / size);
      const rest = unit === 'hour' ? minutes % 60 : 0;
      const main = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return rest > 0 ? `${main} ${rest} minute${rest === 1 ? '' : 's'}` : main;
    }
  }
  return `${minutes} minutes`;
}

/** An ISO time as `2026-11-25 14:00 UTC`. */
export function formatAbsolute(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The facts of an approval request as short Slack text (mrkdwn): changes, cost, policies,
 * expiry. Every value taken from the gate is escaped, so a resource or workflow name cannot
 * inject mentions or links.
 */
import type { CostSummary, PlanSummary, PolicySummary } from '../../statemachines/contract.ts';
import { formatTime } from '../core/eligibility.ts';

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `3 to add, 1 to change, 0 to destroy` (plus replacements when there are any). */
export function describeChanges(plan: PlanSummary | undefined): string {
  if (!plan) return 'no plan';
  const parts = [`${plan.add} to add`, `${plan.change} to change`, `${plan.destroy} to destroy`];
  if (plan.replace > 0) parts.push(`${plan.replace} to replace`);
  return parts.join(', ');
}

const CURRENCY_SYMBOL: Record<string, string> = { USD: '$', EUR: '€', GBP: '£' };

/** `+$45.20/month`, `-€3.00/month`, or `not estimated (reason)`. */
export function describeCost(cost: CostSummary | undefined): string {
  if (!cost) return 'not estimated';
  if (!cost.estimated) return `not estimated (${escapeMrkdwn(truncate(cost.reason, 120))})`;
  const delta = cost.monthly_delta;
  const sign = delta > 0 ? '+' : delta < 0 ? '-' : '±';
  const amount = Math.abs(delta).toFixed(2);
  const symbol = CURRENCY_SYMBOL[cost.currency];
  const money = symbol ? `${symbol}${amount}` : `${amount} ${escapeMrkdwn(cost.currency)}`;
  return `${sign}${money}/month`;
}

/** `✓ All 12 checks passed` or `✗ 2 of 12 checks failed (1 mandatory)`. */
export function describePolicies(policy: PolicySummary | undefined): string {
  if (!policy) return 'not checked';
  const total = policy.passed + policy.failed;
  if (total === 0) return 'no checks ran';
  if (policy.failed === 0) return `✓ All ${total} checks passed`;
  const mandatory = policy.mandatory_failed > 0 ? ` (${policy.mandatory_failed} mandatory)` : '';
  return `✗ ${policy.failed} of ${total} checks failed${mandatory}`;
}

/** `in 4 hours`, `in 35 minutes`, or `now` once the time has come. */
export function relativeTime(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return 'now';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'in less than a minute';
  if (minutes < 90) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `in ${hours} hours`;
  return `in ${Math.round(hours / 24)} days`;
}

/** A time Slack shows in each reader's own time zone, with the UTC text as fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${formatTime(iso)}>`;
}

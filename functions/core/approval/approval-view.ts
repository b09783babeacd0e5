/**
 * The facts of an approval request as people read them, built once from a gate: the email, the
 * approval page and the Slack message all show the same words (reference guide, "Slack notification").
 */
import type { CostSummary, PlanSummary, PolicySummary } from '../../../statemachines/contract.ts';
import type { Gate, GateStatus } from '../ports.ts';
import { describeSource } from '../runs/source.ts';
import { askedPeople } from './gate.ts';
import { buildGateCard, type GateCard } from './gate-card.ts';

/** An approval request's facts, formatted. */
export interface ApprovalView {
  gateId: string;
  title: string;
  workflow: string;
  gateName: string;
  runId: string;
  environment: string;
  requestedBy: string;
  project: string;
  /** The commit the run builds (`abc1234 on main`, linked on GitHub), or that it builds a snapshot. */
  source?: { text: string; url?: string };
  /** `3 to add, 1 to change, 0 to destroy` (and `, N to replace` when any). */
  changes: string;
  plan?: PlanSummary;
  /** `+$45.20/month`, or `not estimated (reason)`. */
  cost: string;
  /** `✓ All 12 checks passed`, `✗ 2 of 12 checks failed (1 mandatory)`, or `not checked`. */
  policies: string;
  policy?: PolicySummary;
  policiesOk: boolean;
  /** `in 4 hours`, `in 35 minutes`, `expired 5 minutes ago`. */
  expiresIn: string;
  /** `2026-11-25 14:00 UTC`. */
  expiresAt: string;
  deadline: string;
  status: GateStatus;
  /** `1 of 2 approvals`. */
  votes: string;
  approvals: number;
  required: number;
  approvers: { email: string; name: string }[];
  /** The link to the run's page. */
  runUrl: string;
  /** What, why, who and when, as every channel shows it. */
  card: GateCard;
}

/** Builds the view of a gate at time `now` (ms), with links under `publicUrl`. */
export function buildApprovalView(gate: Gate, now: number, publicUrl: string): ApprovalView {
  const plan = gate.data.plan;
  const requester = gate.requester ?? gate.run.started_by;
  return {
    gateId: gate.gate_id,
    title: `Approval required: ${gate.workflow}`,
    workflow: gate.workflow,
    gateName: gate.config.name,
    runId: gate.run.id,
    environment: gate.run.environment,
    requestedBy: requester ? requester.email : describeTrigger(gate),
    project: plan?.project ?? 'no plan',
    ...sourceOf(gate),
    changes: plan ? formatChanges(plan) : 'no plan in this run',
    ...(plan ? { plan } : {}),
    cost: formatCost(gate.data.cost),
    policies: formatPolicies(gate.data.policy),
    ...(gate.data.policy ? { policy: gate.data.policy } : {}),
    policiesOk: (gate.data.policy?.failed ?? 0) === 0,
    expiresIn: formatRelative(Date.parse(gate.deadline) - now),
    expiresAt: formatAbsolute(gate.deadline),
    deadline: gate.deadline,
    status: gate.status,
    votes: `${gate.approved_by.length} of ${gate.required} approval${gate.required === 1 ? '' : 's'}`,
    approvals: gate.approved_by.length,
    required: gate.required,
    approvers: askedPeople(gate).map(({ email, name }) => ({ email, name })),
    runUrl: `${publicUrl}/runs/${encodeURIComponent(gate.run.id)}`,
    card: buildGateCard(gate, now, publicUrl),
  };
}

function sourceOf(gate: Gate): { source?: ApprovalView['source'] } {
  const described = describeSource(gate.run.source, gate.data);
  if (!described) return {};
  return { source: { text: described.text, ...(described.url ? { url: described.url } : {}) } };
}

/** The approval page link for one approver, carrying their capability. */
export function approvalUrl(publicUrl: string, gateId: string, capability: string): string {
  return `${publicUrl}/approvals/${encodeURIComponent(gateId)}?t=${encodeURIComponent(capability)}`;
}

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

function describeTrigger(gate: Gate): string {
  const trigger = gate.run.trigger;
  if (trigger.type === 'github') return `GitHub PR #${trigger.pr.number} by ${trigger.pr.author}`;
  return trigger.type;
}

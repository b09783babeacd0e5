/**
 * The facts of an approval request as people read them, built once from a gate: the email, the
 * approval page and the Slack message all show the same words (reference guide, "Slack notification").
 */
import type { PlanSummary, PolicySummary } from '../../../statemachines/contract.ts';
import type { Gate, GateStatus } from '../ports.ts';
import { describeSource } from '../runs/source.ts';
import { askedPeople } from './gate.ts';
import { buildGateCard, type GateCard } from './gate-card.ts';
import {
  formatAbsolute,
  formatChanges,
  formatCost,
  formatDuration,
  formatPolicies,
  formatRelative,
} from './gate-format.ts';

// Kept importable from here, where the pages and Slack have always found them.
export { formatAbsolute, formatChanges, formatCost, formatDuration, formatPolicies, formatRelative };

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
export function buildApprovalView(gate: Gate, now: number, publicUrl: string, freeze?: string): ApprovalView {
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
    card: buildGateCard(gate, now, publicUrl, freeze),
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

function describeTrigger(gate: Gate): string {
  const trigger = gate.run.trigger;
  if (trigger.type === 'github') return `GitHub PR #${trigger.pr.number} by ${trigger.pr.author}`;
  if (trigger.type === 'schedule') return `the schedule ${trigger.cron} (${trigger.timezone})`;
  return trigger.type;
}

/**
 * Gate identity and the few facts every use case reads off a gate.
 */
import { createHash } from 'node:crypto';
import type { Approver, Gate } from '../ports.ts';

/** Actor recorded for what the system does by itself (timeouts, escalations, recovery). */
export const SYSTEM_ACTOR = {
  timeout: { email: 'system:timeout', name: 'Timeout' },
  escalation: { email: 'system:escalation', name: 'Escalation' },
  recovery: { email: 'system:recovery', name: 'Recovery' },
} as const;

/** The gate id of one approval step of one run: stable across retries and URL-safe. */
export function gateIdFor(runId: string, stepId: string): string {
  return `g_${createHash('sha256').update(`${runId}\n${stepId}`).digest('hex').slice(0, 24)}`;
}

/** Whether a string looks like a gate id made by `gateIdFor`. */
export function isGateId(value: string): boolean {
  return /^g_[0-9a-f]{24}$/.test(value);
}

/** Emails compare case-insensitively everywhere in signoff. */
export function sameEmail(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Everyone asked to approve: the resolved approvers, the people of every matched rule and of every escalation level that fired. */
export function askedPeople(gate: Gate): Approver[] {
  const people = [...gate.approvers];
  const ruled = (gate.rules ?? []).filter((r) => r.matched).map((r) => ({ people: r.people }));
  for (const level of [...ruled, ...Object.values(gate.escalations)]) {
    for (const person of level.people) {
      if (!people.some((p) => sameEmail(p.email, person.email))) people.push(person);
    }
  }
  return people;
}

/** How every channel says that signoff, not a person, approved a gate. */
export function describeAutoApproval(auto: { reason: string }): string {
  return `Auto-approved by signoff; no person approved (reason: ${auto.reason})`;
}

/** The plan summary fields the audit trail keeps for a gate, when the gate has a plan. */
export function auditPlanSummary(gate: Gate) {
  const plan = gate.data.plan;
  if (!plan) return undefined;
  const { project, add, change, destroy, replace, hash } = plan;
  return { project, add, change, destroy, replace, hash };
}

/** The audit fields every event about a gate shares. */
export function gateAuditBase(gate: Gate) {
  return {
    workflow: gate.workflow,
    run_id: gate.run.id,
    step_id: gate.step_id,
    gate_id: gate.gate_id,
    plan_summary: auditPlanSummary(gate),
  };
}

/** The sign-in that makes a `require_signin` gate count a person's vote: within `max_age`, back to the run's page. */
export function freshSigninPath(gate: Gate): string {
  const maxAge = gate.config.require_signin?.max_age_seconds ?? 900;
  return `/signin/oidc?max_age=${maxAge}&next=${encodeURIComponent(`/runs/${gate.run.id}`)}`;
}

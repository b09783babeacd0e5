/**
 * An escalation level is due: if the gate still waits, add that level's people to those who may
 * approve, tell them, and audit `escalated`.
 */

import { announce } from '../notify/delivery-failures.ts';
import type { Approver } from '../ports.ts';
import { directoryNow, type VoteDeps } from './approval-deps.ts';
import { resolveApprovers } from './directory.ts';
import { askedPeople, gateAuditBase, SYSTEM_ACTOR, sameEmail } from './gate.ts';

/** What escalate did. */
export type EscalateOutcome =
  | { kind: 'escalated'; gate_id: string; index: number; people: Approver[] }
  | { kind: 'skipped'; gate_id: string; index: number; reason: string };

/** Fires escalation level `index` of the gate, once, and only while the gate is pending and not expired. */
export async function escalate(
  deps: Omit<VoteDeps, 'engine'>,
  gateId: string,
  index: number,
): Promise<EscalateOutcome> {
  const skip = (reason: string): EscalateOutcome => ({ kind: 'skipped', gate_id: gateId, index, reason });
  const gate = await deps.gates.get(gateId);
  if (!gate) return skip('no such gate');
  if (gate.status !== 'pending') return skip(`gate is ${gate.status}`);
  if (deps.now() >= Date.parse(gate.deadline)) return skip('gate is past its deadline');
  const level = gate.config.escalation[index];
  if (!level) return skip('no such escalation level');
  if (gate.escalations[String(index)]) return skip('already escalated');

  const { people, unresolved } = resolveApprovers(await directoryNow(deps, 'all'), level.approvers);
  const before = askedPeople(gate);
  const added = people.filter((p) => !before.some((b) => sameEmail(b.email, p.email)));
  const at = new Date(deps.now()).toISOString();
  if (!(await deps.gates.addEscalation(gateId, index, at, people)))
    return skip('gate closed or already escalated');

  const escalated = { ...gate, escalations: { ...gate.escalations, [String(index)]: { at, people } } };
  await deps.audit.append({
    ...gateAuditBase(gate),
    action: 'escalated',
    actor: SYSTEM_ACTOR.escalation,
    at,
    response_time_ms: Date.parse(at) - Date.parse(gate.requested_at),
    details: {
      level: index,
      approvers: people.map((p) => p.email),
      added: added.map((p) => p.email),
      ...(unresolved.length > 0 ? { unresolved } : {}),
    },
  });
  await announce(deps, escalated, 'notify escalated', (notifier) => notifier.escalated(escalated, people));
  return { kind: 'escalated', gate_id: gateId, index, people };
}

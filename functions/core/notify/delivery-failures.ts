/**
 * Announcing a gate, and keeping what did not arrive: a notifier hands back each message it could
 * not deliver, and the failure is written on the gate (pages, API) and audited as
 * `notification_failed`, so a gate is never silently unannounced. Nothing here ever throws: a
 * failed delivery or a failed record of it must not fail the gate request or the vote.
 */
import { type ApprovalDeps, logOf } from '../approval/approval-deps.ts';
import { gateAuditBase } from '../approval/gate.ts';
import type { Delivery, DeliveryFailure, Gate, Notifier } from '../ports.ts';

/** At most this many failures stay on a gate item (the item has a 400 KB limit); the audit keeps every one. */
export const MAX_GATE_DELIVERY_FAILURES = 20;

/** Actor of `notification_failed`. */
export const NOTIFIER_ACTOR = { email: 'system:notifier', name: 'Notifier' } as const;

/** What recording needs. */
export type DeliveryDeps = Pick<ApprovalDeps, 'gates' | 'audit' | 'log'>;

/** One failure as people read it: `Email to jane@acme.com failed: MessageRejected: …`. */
export function describeDeliveryFailure(failure: Pick<DeliveryFailure, 'channel' | 'to' | 'reason'>): string {
  const what = failure.channel === 'email' ? 'Email' : 'Slack message';
  return `${what} to ${failure.to} failed: ${failure.reason}`;
}

/**
 * Runs one notification (`send` gets the deps' notifier) and records every delivery it reports as
 * failed; returns those failures. A notifier that throws is logged, as before.
 */
export async function announce(
  deps: DeliveryDeps & Pick<ApprovalDeps, 'notifier'>,
  gate: Gate,
  what: string,
  send: (notifier: Notifier) => Delivery,
): Promise<DeliveryFailure[]> {
  let failures: DeliveryFailure[] = [];
  try {
    failures = (await send(deps.notifier)) ?? [];
  } catch (error) {
    logOf(deps).error(`${what} failed`, { error: error instanceof Error ? error.name : typeof error });
  }
  await recordDeliveryFailures(deps, gate, failures);
  return failures;
}

/** Appends the failures to the gate (one conditional write) and audits each one; logs, never throws. */
export async function recordDeliveryFailures(
  deps: DeliveryDeps,
  gate: Gate,
  failures: DeliveryFailure[],
): Promise<void> {
  if (failures.length === 0) return;
  const log = logOf(deps);
  try {
    if (!(await deps.gates.addDeliveryFailures(gate.gate_id, failures, MAX_GATE_DELIVERY_FAILURES)))
      log.warn('delivery failures for a gate that is gone', { gate_id: gate.gate_id });
  } catch (error) {
    log.error('recording delivery failures on the gate failed', {
      gate_id: gate.gate_id,
      error: error instanceof Error ? error.name : typeof error,
    });
  }
  // One event per message, in order, so the trail answers "did Carol ever get the email?".
  for (const failure of failures) {
    try {
      await deps.audit.append({
        ...gateAuditBase(gate),
        action: 'notification_failed',
        actor: NOTIFIER_ACTOR,
        at: failure.at,
        channel: failure.channel,
        reason: describeDeliveryFailure(failure),
        details: { recipient: failure.to },
      });
    } catch (error) {
      log.error('auditing a delivery failure failed', {
        gate_id: gate.gate_id,
        error: error instanceof Error ? error.name : typeof error,
      });
    }
  }
}

/**
 * Calls every notifier for every notification; one that throws never stops the others nor the
 * gate. It hands back every delivery the channels report as failed; a delivery channel (`email`,
 * `slack`) that throws counts as one failed delivery to the gate's approvers. Failures are
 * logged with the notifier's name and the error's name only (no secrets).
 */
import type {
  Approver,
  Clock,
  Delivery,
  DeliveryChannel,
  DeliveryFailure,
  Gate,
  LogPort,
  Notifier,
} from '../core/ports.ts';
import { describeDeliveryError } from './delivery-error.ts';

/** A notifier with the name used when logging its failures (`email` and `slack` deliver to people). */
export interface NamedNotifier {
  name: string;
  notifier: Notifier;
}

const DELIVERY_CHANNELS: readonly string[] = ['email', 'slack'] satisfies DeliveryChannel[];

/** Notifier that fans out to several, isolates their failures and returns the failed deliveries. */
export class CompositeNotifier implements Notifier {
  constructor(
    private readonly notifiers: NamedNotifier[],
    private readonly log: LogPort,
    private readonly now: Clock = Date.now,
  ) {}

  requested(gate: Gate): Promise<DeliveryFailure[]> {
    return this.all('requested', gate, (n) => n.requested(gate));
  }

  progressed(gate: Gate): Promise<DeliveryFailure[]> {
    return this.all('progressed', gate, (n) => n.progressed(gate));
  }

  decided(gate: Gate): Promise<DeliveryFailure[]> {
    return this.all('decided', gate, (n) => n.decided(gate));
  }

  expired(gate: Gate): Promise<DeliveryFailure[]> {
    return this.all('expired', gate, (n) => n.expired(gate));
  }

  escalated(gate: Gate, people: Approver[]): Promise<DeliveryFailure[]> {
    return this.all('escalated', gate, (n) => n.escalated(gate, people));
  }

  private async all(what: string, gate: Gate, call: (n: Notifier) => Delivery): Promise<DeliveryFailure[]> {
    const results = await Promise.allSettled(this.notifiers.map(({ notifier }) => call(notifier)));
    const failures: DeliveryFailure[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        failures.push(...(result.value ?? []));
        return;
      }
      const name = this.notifiers[i]?.name ?? 'unknown';
      const reason: unknown = result.reason;
      this.log.error('notifier failed', {
        notifier: name,
        notification: what,
        gate_id: gate.gate_id,
        error: reason instanceof Error ? reason.name : typeof reason,
      });
      // A channel that blew up delivered nothing to anyone: say so on the gate rather than only here.
      if (DELIVERY_CHANNELS.includes(name) && (what === 'requested' || what === 'escalated')) {
        failures.push({
          channel: name as DeliveryChannel,
          to: what === 'requested' ? 'the approvers' : 'the escalation approvers',
          reason: describeDeliveryError(reason),
          at: new Date(this.now()).toISOString(),
        });
      }
    });
    return failures;
  }
}

/**
 * Calls every notifier for every notification; one that throws never stops the others nor the
 * gate. Failures are logged with the notifier's name and the error's name only (no secrets).
 */
import type { Approver, Gate, LogPort, Notifier } from '../core/ports.ts';

/** A notifier with the name used when logging its failures. */
export interface NamedNotifier {
  name: string;
  notifier: Notifier;
}

/** Notifier that fans out to several and isolates their failures. */
export class CompositeNotifier implements Notifier {
  constructor(
    private readonly notifiers: NamedNotifier[],
    private readonly log: LogPort,
  ) {}

  requested(gate: Gate): Promise<void> {
    return this.all('requested', gate, (n) => n.requested(gate));
  }

  progressed(gate: Gate): Promise<void> {
    return this.all('progressed', gate, (n) => n.progressed(gate));
  }

  decided(gate: Gate): Promise<void> {
    return this.all('decided', gate, (n) => n.decided(gate));
  }

  expired(gate: Gate): Promise<void> {
    return this.all('expired', gate, (n) => n.expired(gate));
  }

  escalated(gate: Gate, people: Approver[]): Promise<void> {
    return this.all('escalated', gate, (n) => n.escalated(gate, people));
  }

  /** The same fan-out without the named notifier (a channel that updates itself). */
  without(name: string): CompositeNotifier {
    return new CompositeNotifier(
      this.notifiers.filter((n) => n.name !== name),
      this.log,
    );
  }

  private async all(what: string, gate: Gate, call: (n: Notifier) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(
      this.notifiers.map(async ({ notifier }) => {
        await call(notifier);
      }),
    );
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      const reason: unknown = result.reason;
      this.log.error('notifier failed', {
        notifier: this.notifiers[i]?.name,
        notification: what,
        gate_id: gate.gate_id,
        error: reason instanceof Error ? reason.name : typeof reason,
      });
    });
  }
}

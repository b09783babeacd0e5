import type { Approver, DeliveryFailure, Gate, Notifier } from '../core/ports.ts';

/** One notification as MemoryNotifier kept it. */
export type Notification =
  | { kind: 'requested' | 'progressed' | 'decided' | 'expired'; gate: Gate }
  | { kind: 'escalated'; gate: Gate; people: Approver[] };

/**
 * Notifier that keeps every notification in `sent` (tests, and the local UI when no Slack is set
 * up); `failNext` scripts the deliveries the next announcement reports as failed.
 */
export class MemoryNotifier implements Notifier {
  readonly sent: Notification[] = [];
  private failures: DeliveryFailure[] = [];

  /** The next `requested` or `escalated` reports these deliveries as failed. */
  failNext(...failures: DeliveryFailure[]): void {
    this.failures.push(...failures);
  }

  async requested(gate: Gate): Promise<DeliveryFailure[]> {
    this.sent.push({ kind: 'requested', gate: structuredClone(gate) });
    return this.takeFailures();
  }

  async progressed(gate: Gate): Promise<void> {
    this.sent.push({ kind: 'progressed', gate: structuredClone(gate) });
  }

  async decided(gate: Gate): Promise<void> {
    this.sent.push({ kind: 'decided', gate: structuredClone(gate) });
  }

  async expired(gate: Gate): Promise<void> {
    this.sent.push({ kind: 'expired', gate: structuredClone(gate) });
  }

  async escalated(gate: Gate, people: Approver[]): Promise<DeliveryFailure[]> {
    this.sent.push({ kind: 'escalated', gate: structuredClone(gate), people: structuredClone(people) });
    return this.takeFailures();
  }

  private takeFailures(): DeliveryFailure[] {
    return this.failures.splice(0);
  }
}

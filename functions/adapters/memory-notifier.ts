import type { Approver, Gate, Notifier } from '../core/ports.ts';

/** One notification as MemoryNotifier kept it. */
export type Notification =
  | { kind: 'requested' | 'progressed' | 'decided' | 'expired'; gate: Gate }
  | { kind: 'escalated'; gate: Gate; people: Approver[] };

/** Notifier that keeps every notification in `sent` (tests, and the local UI when no Slack is set up). */
export class MemoryNotifier implements Notifier {
  readonly sent: Notification[] = [];

  async requested(gate: Gate): Promise<void> {
    this.sent.push({ kind: 'requested', gate: structuredClone(gate) });
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

  async escalated(gate: Gate, people: Approver[]): Promise<void> {
    this.sent.push({ kind: 'escalated', gate: structuredClone(gate), people: structuredClone(people) });
  }
}

/**
 * A Notifier that only logs what it would say (the local runtime without Slack or email, and a
 * trace beside the real notifiers). It logs ids and emails, never the task token (gates carry none).
 */
import { askedPeople } from '../core/approval/gate.ts';
import type { Approver, Gate, LogPort, Notifier } from '../core/ports.ts';

/** Notifier that writes one log line per notification. */
export class LogNotifier implements Notifier {
  constructor(private readonly log: LogPort) {}

  async requested(gate: Gate): Promise<void> {
    this.log.info('approval requested', {
      ...ids(gate),
      approvers: askedPeople(gate).map((p) => p.email),
      required: gate.required,
      deadline: gate.deadline,
    });
  }

  async progressed(gate: Gate): Promise<void> {
    this.log.info('approval counted', {
      ...ids(gate),
      approvals: gate.approved_by.length,
      required: gate.required,
    });
  }

  async decided(gate: Gate): Promise<void> {
    this.log.info(`gate ${gate.status}`, {
      ...ids(gate),
      closed_by: gate.closed_by?.email,
      approved_by: gate.approved_by.map((a) => a.email),
    });
  }

  async expired(gate: Gate): Promise<void> {
    this.log.info('gate expired', {
      ...ids(gate),
      approvals: gate.approved_by.length,
      required: gate.required,
    });
  }

  async escalated(gate: Gate, people: Approver[]): Promise<void> {
    this.log.info('gate escalated', { ...ids(gate), people: people.map((p) => p.email) });
  }
}

function ids(gate: Gate) {
  return { gate_id: gate.gate_id, workflow: gate.workflow, run_id: gate.run.id, step_id: gate.step_id };
}

/**
 * GateStore in memory, with the same conditional semantics as the DynamoDB one (for unit tests
 * and one-process tools). Every read returns a copy, so callers cannot change what is stored.
 */
import type {
  ApprovalEntry,
  Approver,
  DeliveryFailure,
  EngineResult,
  Gate,
  GateClose,
  GateStatus,
  GateStore,
  OutboxEntry,
} from '../core/ports.ts';

interface Row {
  gate: Gate;
  token: string;
  leaseUntil?: number;
  outbox: OutboxEntry[];
}

/** In-memory GateStore. */
export class MemoryGateStore implements GateStore {
  private readonly rows = new Map<string, Row>();

  async create(gate: Gate, taskToken: string): Promise<boolean> {
    if (this.rows.has(gate.gate_id)) return false;
    this.rows.set(gate.gate_id, { gate: structuredClone(gate), token: taskToken, outbox: [] });
    return true;
  }

  async replaceTaskToken(gateId: string, taskToken: string, deadline: string): Promise<Gate | undefined> {
    const row = this.rows.get(gateId);
    if (!row) return undefined;
    row.token = taskToken;
    if (row.gate.status === 'pending') row.gate.deadline = deadline;
    else {
      row.gate.engine_notified = false;
      delete row.gate.engine_result;
      delete row.leaseUntil;
    }
    return structuredClone(row.gate);
  }

  async get(gateId: string): Promise<Gate | undefined> {
    const row = this.rows.get(gateId);
    return row ? structuredClone(row.gate) : undefined;
  }

  async getTaskToken(gateId: string): Promise<string | undefined> {
    return this.rows.get(gateId)?.token;
  }

  async listByRun(runId: string): Promise<Gate[]> {
    return this.select((g) => g.run.id === runId);
  }

  async listByStatus(status: GateStatus, limit = 100): Promise<Gate[]> {
    return this.select((g) => g.status === status).slice(0, limit);
  }

  async listUnnotified(limit = 100): Promise<Gate[]> {
    return this.select((g) => g.status !== 'pending' && !g.engine_notified).slice(0, limit);
  }

  async addApproval(
    gateId: string,
    entry: ApprovalEntry,
    expectedCount: number,
    close?: GateClose,
    owed: OutboxEntry[] = [],
  ): Promise<boolean> {
    const row = this.rows.get(gateId);
    if (row?.gate.status !== 'pending' || row.gate.approved_by.length !== expectedCount) return false;
    row.gate.approved_by.push(structuredClone(entry));
    if (close) applyClose(row, close);
    row.outbox.push(...structuredClone(owed));
    return true;
  }

  async close(gateId: string, close: GateClose, owed: OutboxEntry[] = []): Promise<boolean> {
    const row = this.rows.get(gateId);
    if (row?.gate.status !== 'pending') return false;
    applyClose(row, close);
    row.outbox.push(...structuredClone(owed));
    return true;
  }

  async readOutbox(gateId: string): Promise<{ gate: Gate; outbox: OutboxEntry[] } | undefined> {
    const row = this.rows.get(gateId);
    return row ? structuredClone({ gate: row.gate, outbox: row.outbox }) : undefined;
  }

  async removeOutboxEntry(
    gateId: string,
    id: string,
  ): Promise<{ gate: Gate; outbox: OutboxEntry[] } | undefined> {
    const row = this.rows.get(gateId);
    if (row?.outbox[0]?.id !== id) return undefined;
    row.outbox.shift();
    return structuredClone({ gate: row.gate, outbox: row.outbox });
  }

  async addToOutbox(gateId: string, owed: OutboxEntry[]): Promise<boolean> {
    const row = this.rows.get(gateId);
    if (!row) return false;
    row.outbox.push(...structuredClone(owed));
    return true;
  }

  async listOwing(limit = 100): Promise<string[]> {
    const owing = new Set((await this.listWithOutbox(limit)).map((g) => g.gate_id));
    for (const gate of await this.listUnnotified(limit)) owing.add(gate.gate_id);
    return [...owing].slice(0, limit);
  }

  async listWithOutbox(limit = 100): Promise<Gate[]> {
    const owing = new Set(
      [...this.rows.values()].filter((r) => r.outbox.length > 0).map((r) => r.gate.gate_id),
    );
    return this.select((g) => owing.has(g.gate_id)).slice(0, limit);
  }

  async addEscalation(gateId: string, index: number, at: string, people: Approver[]): Promise<boolean> {
    const row = this.rows.get(gateId);
    if (row?.gate.status !== 'pending' || row.gate.escalations[String(index)]) return false;
    row.gate.escalations[String(index)] = structuredClone({ at, people });
    return true;
  }

  async claimEngineCall(gateId: string, now: number, leaseMs: number): Promise<boolean> {
    const row = this.rows.get(gateId);
    if (!row || row.gate.status === 'pending' || row.gate.engine_notified) return false;
    if (row.leaseUntil !== undefined && row.leaseUntil > now) return false;
    row.leaseUntil = now + leaseMs;
    return true;
  }

  async markEngineNotified(gateId: string, result: EngineResult): Promise<void> {
    const row = this.rows.get(gateId);
    if (!row || row.gate.engine_notified) return;
    row.gate.engine_notified = true;
    row.gate.engine_result = result;
    delete row.leaseUntil;
  }

  async addDeliveryFailures(gateId: string, failures: DeliveryFailure[], keep: number): Promise<boolean> {
    const row = this.rows.get(gateId);
    if (!row) return false;
    const gate = row.gate;
    const kept = failures.slice(0, keep);
    const stored = gate.delivery_failures ?? [];
    // As the DynamoDB store: the kept part fits whole or not at all; what does not fit is counted.
    const fits = kept.length > 0 && stored.length <= keep - kept.length;
    if (fits) gate.delivery_failures = [...stored, ...structuredClone(kept)];
    const dropped = fits ? failures.length - kept.length : failures.length;
    if (dropped > 0) gate.delivery_failures_dropped = (gate.delivery_failures_dropped ?? 0) + dropped;
    return true;
  }

  private select(match: (gate: Gate) => boolean): Gate[] {
    return [...this.rows.values()]
      .map((r) => r.gate)
      .filter(match)
      .sort((a, b) => a.requested_at.localeCompare(b.requested_at))
      .map((g) => structuredClone(g));
  }
}

function applyClose(row: Row, close: GateClose): void {
  const gate = row.gate;
  if (close.engine_lease_until !== undefined) row.leaseUntil = close.engine_lease_until;
  gate.status = close.status;
  gate.closed_at = close.closed_at;
  gate.closed_by = { ...close.closed_by };
  if (close.comment !== undefined) gate.close_comment = close.comment;
  if (close.channel !== undefined) gate.close_channel = close.channel;
  gate.engine_notified = close.engine_notified;
  if (close.engine_notified) gate.engine_result = 'not_needed';
}

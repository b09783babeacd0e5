/**
 * The audit trail in memory, hash-chained like the DynamoDB one. `events` is exposed so tests
 * can tamper with the trail and check that verification notices.
 */
import { chainAuditEvent } from '../core/audit/audit-chain.ts';
import { type AuditCheckpoint, headLogKey } from '../core/audit/audit-checkpoint.ts';
import type {
  AuditAnchors,
  AuditEvent,
  AuditEventInput,
  AuditFilter,
  AuditHead,
  AuditLog,
  AuditPage,
  AuditQuery,
  HeadLogEntry,
  StoredCheckpoint,
} from '../core/ports.ts';

/** In-memory AuditLog, AuditQuery and AuditAnchors. */
export class MemoryAuditLog implements AuditLog, AuditQuery, AuditAnchors {
  /** Every event in write order; tests may edit or remove entries to simulate tampering. */
  readonly events: AuditEvent[] = [];
  /** Each run's newest event as recorded at write time, like the DynamoDB head record. */
  readonly heads = new Map<string, AuditHead>();
  /** Idempotency keys already appended, per run (`<run>\n<key>`). */
  private readonly keys = new Set<string>();
  /** Every append's head, in write order (the DynamoDB `#heads` partition). */
  readonly headLog: HeadLogEntry[] = [];
  /** Checkpoints by number (the DynamoDB `#checkpoints` partition); tests may remove or edit them. */
  readonly checkpoints = new Map<number, StoredCheckpoint>();

  constructor(private readonly now: () => number = Date.now) {}

  async append(input: AuditEventInput, key?: string): Promise<void> {
    if (key !== undefined) {
      if (this.keys.has(`${input.run_id}\n${key}`)) return;
      this.keys.add(`${input.run_id}\n${key}`);
    }
    const run = this.events.filter((e) => e.run_id === input.run_id);
    const head = run.reduce<AuditEvent | undefined>((h, e) => (!h || e.seq > h.seq ? e : h), undefined);
    const event = chainAuditEvent(structuredClone(input), head);
    this.events.push(event);
    this.heads.set(event.run_id, { seq: event.seq, hash: event.hash });
    this.headLog.push({
      key: headLogKey(this.now()),
      run_id: event.run_id,
      seq: event.seq,
      hash: event.hash,
    });
  }

  async readHeadLog(sinceKey: number): Promise<HeadLogEntry[]> {
    return this.headLog.filter((e) => e.key > sinceKey).sort((a, b) => a.key - b.key);
  }

  async readCheckpoints(): Promise<StoredCheckpoint[]> {
    return [...this.checkpoints.values()].sort((a, b) => a.n - b.n).map((c) => structuredClone(c));
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return (await this.readCheckpoints()).at(-1);
  }

  async putCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean> {
    if (this.checkpoints.has(checkpoint.n)) return false;
    this.checkpoints.set(checkpoint.n, structuredClone(checkpoint));
    return true;
  }

  async markArchived(checkpoint: AuditCheckpoint): Promise<void> {
    const stored = this.checkpoints.get(checkpoint.n);
    if (stored?.hash === checkpoint.hash) stored.archived = true;
  }

  async list(filter: AuditFilter, page: { limit?: number; cursor?: string } = {}): Promise<AuditPage> {
    const matching = this.events
      .filter(
        (e) =>
          (filter.run === undefined || e.run_id === filter.run) &&
          (filter.workflow === undefined || e.workflow === filter.workflow) &&
          (filter.actor === undefined || e.actor.email.toLowerCase() === filter.actor.toLowerCase()) &&
          (filter.action === undefined || e.action === filter.action) &&
          (filter.from === undefined || e.at >= filter.from) &&
          (filter.to === undefined || e.at < filter.to),
      )
      .map((e, i) => ({ e, i }))
      .sort((a, b) => b.e.at.localeCompare(a.e.at) || b.i - a.i)
      .map(({ e }) => e);
    const start = page.cursor ? Number(page.cursor) : 0;
    const limit = page.limit ?? 50;
    const events = matching.slice(start, start + limit).map((e) => structuredClone(e));
    return start + limit < matching.length ? { events, cursor: String(start + limit) } : { events };
  }

  async readHead(runId: string): Promise<AuditHead | undefined> {
    const head = this.heads.get(runId);
    return head ? { ...head } : undefined;
  }

  async readRun(runId: string): Promise<AuditEvent[]> {
    return this.events
      .filter((e) => e.run_id === runId)
      .sort((a, b) => a.seq - b.seq)
      .map((e) => structuredClone(e));
  }
}

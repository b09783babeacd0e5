/**
 * The audit trail in memory, hash-chained like the DynamoDB one. `events` is exposed so tests
 * can tamper with the trail and check that verification notices.
 */
import { chainAuditEvent } from '../core/audit-chain.ts';
import type {
  AuditEvent,
  AuditEventInput,
  AuditFilter,
  AuditHead,
  AuditLog,
  AuditPage,
  AuditQuery,
} from '../core/ports.ts';

/** In-memory AuditLog and AuditQuery. */
export class MemoryAuditLog implements AuditLog, AuditQuery {
  /** Every event in write order; tests may edit or remove entries to simulate tampering. */
  readonly events: AuditEvent[] = [];
  /** Each run's newest event as recorded at write time, like the DynamoDB head record. */
  readonly heads = new Map<string, AuditHead>();
  /** Idempotency keys already appended, per run (`<run>\n<key>`). */
  private readonly keys = new Set<string>();

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
  }

  async list(filter: AuditFilter, page: { limit?: number; cursor?: string } = {}): Promise<AuditPage> {
    const matching = this.events
      .filter(
        (e) =>
          (filter.run === undefined || e.run_id === filter.run) &&
          (filter.workflow === undefined || e.workflow === filter.workflow) &&
          (filter.actor === undefined || e.actor.email.toLowerCase() === filter.actor.toLowerCase()),
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

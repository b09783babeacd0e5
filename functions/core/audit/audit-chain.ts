/**
 * The audit trail's hash chain: each event of a run carries `seq`, the previous event's hash and
 * its own SHA-256 over canonical JSON, so an edited or removed event shows up on verification.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, AuditEventInput, AuditHead } from '../ports.ts';

/** `prev_hash` of a run's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth and `undefined` members left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash an event must carry: SHA-256 hex over its canonical JSON without `hash` (with `prev_hash`). */
export function hashAuditEvent(event: Omit<AuditEvent, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = event;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** The event that follows `previous` (the run's current head, or undefined for the first). */
export function chainAuditEvent(input: AuditEventInput, previous: AuditEvent | undefined): AuditEvent {
  const linked = { ...input, seq: (previous?.seq ?? 0) + 1, prev_hash: previous?.hash ?? GENESIS_HASH };
  return { ...linked, hash: hashAuditEvent(linked) };
}

/** One thing wrong with a run's trail. */
export interface ChainProblem {
  seq: number;
  kind: 'edited' | 'missing' | 'broken_link' | 'duplicate' | 'other_run' | 'not_found';
  message: string;
}

/** The outcome of `verifyAuditChain`. */
export interface ChainReport {
  ok: boolean;
  checked: number;
  problems: ChainProblem[];
}

/**
 * Checks one run's events: every hash recomputes (else `edited`), seq runs 1, 2, 3 with no gap
 * (else `missing`) and each event links to the one before (else `broken_link`). With the run's
 * recorded `head`, removing the newest events (which leaves a shorter valid chain) shows as
 * `missing` too; a head one behind the events is a writer that died in between, and is fine.
 */
export function verifyAuditChain(events: readonly AuditEvent[], head?: AuditHead): ChainReport {
  const problems: ChainProblem[] = [];
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const runId = sorted[0]?.run_id;
  let previous: AuditEvent | undefined;
  for (const event of sorted) {
    if (event.run_id !== runId) {
      problems.push({
        seq: event.seq,
        kind: 'other_run',
        message: `event ${event.seq} belongs to run ${event.run_id}`,
      });
      continue;
    }
    if (previous && event.seq === previous.seq) {
      problems.push({
        seq: event.seq,
        kind: 'duplicate',
        message: `seq ${event.seq} appears more than once`,
      });
      continue;
    }
    if (hashAuditEvent(event) !== event.hash) {
      problems.push({
        seq: event.seq,
        kind: 'edited',
        message: `event ${event.seq} was changed after it was written`,
      });
    }
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (event.seq > expectedSeq) {
      const gap = event.seq - 1 === expectedSeq ? `${expectedSeq}` : `${expectedSeq} to ${event.seq - 1}`;
      problems.push({ seq: expectedSeq, kind: 'missing', message: `event ${gap} is missing` });
    }
    const expectedPrev = previous ? previous.hash : event.seq === 1 ? GENESIS_HASH : undefined;
    if (expectedPrev !== undefined && event.prev_hash !== expectedPrev && event.seq === expectedSeq) {
      problems.push({
        seq: event.seq,
        kind: 'broken_link',
        message: `event ${event.seq} does not follow event ${event.seq - 1}`,
      });
    }
    previous = event;
  }
  if (head) problems.push(...checkHead(sorted, head));
  return { ok: problems.length === 0, checked: sorted.length, problems };
}

function checkHead(sorted: AuditEvent[], head: AuditHead): ChainProblem[] {
  const newest = sorted.at(-1)?.seq ?? 0;
  if (head.seq > newest) {
    const gap = head.seq === newest + 1 ? `${head.seq}` : `${newest + 1} to ${head.seq}`;
    return [
      {
        seq: newest + 1,
        kind: 'missing',
        message: `event ${gap} is missing: the trail was written up to ${head.seq}`,
      },
    ];
  }
  const recorded = sorted.find((e) => e.seq === head.seq);
  if (recorded && recorded.hash !== head.hash) {
    return [{ seq: head.seq, kind: 'edited', message: `event ${head.seq} is not the one that was written` }];
  }
  return [];
}

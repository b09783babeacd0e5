/**
 * Audit checkpoints: the anchor of every run's hash chain outside the run's own items. Each
 * checkpoint records the newest (seq, hash) of every run whose trail grew since the one before,
 * and is itself chained (number, previous checkpoint's hash, its own SHA-256). A run's events
 * cannot then be cut short or removed whole without contradicting a checkpoint; in AWS each
 * checkpoint is also written to an S3 bucket under Object Lock, which nobody can rewrite.
 */
import { createHash, randomInt } from 'node:crypto';
import { type ChainProblem, canonicalJson, GENESIS_HASH } from './audit-chain.ts';

/** One run's head as a checkpoint anchored it. */
export interface AnchoredHead {
  run_id: string;
  seq: number;
  hash: string;
}

/** One checkpoint: the heads that moved since checkpoint `n - 1`, chained to it. */
export interface AuditCheckpoint {
  /** 1, 2, 3, ... with no gaps. */
  n: number;
  /** The previous checkpoint's `hash` (64 zeros for the first). */
  prev_hash: string;
  /** When it was written (ISO 8601). */
  at: string;
  /** The newest head-log key it read: the next checkpoint reads from a little before it. */
  through: number;
  heads: AnchoredHead[];
  /** SHA-256 (hex) over the canonical JSON of everything above. */
  hash: string;
}

/** The hash a checkpoint must carry: over its fields only (not the table's `archived` note). */
export function hashCheckpoint(checkpoint: Omit<AuditCheckpoint, 'hash'> & { hash?: string }): string {
  const { n, prev_hash, at, through, heads } = checkpoint;
  return createHash('sha256').update(canonicalJson({ n, prev_hash, at, through, heads })).digest('hex');
}

/** The checkpoint that follows `previous` (undefined for the first). */
export function chainCheckpoint(
  previous: AuditCheckpoint | undefined,
  fields: { at: string; through: number; heads: AnchoredHead[] },
): AuditCheckpoint {
  const heads = [...fields.heads].sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
  const linked = {
    n: (previous?.n ?? 0) + 1,
    prev_hash: previous?.hash ?? GENESIS_HASH,
    at: fields.at,
    through: fields.through,
    heads,
  };
  return { ...linked, hash: hashCheckpoint(linked) };
}

/** What the checkpoints say, and what is wrong with them. */
export interface CheckpointReport {
  ok: boolean;
  /** How many checkpoints were checked. */
  checked: number;
  /** Whether locked copies (the S3 archive) were compared. */
  archive: boolean;
  problems: ChainProblem[];
  /** Each run's newest anchored head, over every checkpoint. */
  anchored: Map<string, AnchoredHead & { checkpoint: number }>;
}

/**
 * Checks the checkpoint chain (numbers 1, 2, 3 with no gap, every hash recomputes, every link
 * holds) and, with the archive's locked copies, that the table still holds each one unchanged.
 * A locked copy wins over the table's: the anchored heads come from it. `archive` undefined
 * means there is no archive (the local runtime); an empty array means an archive with nothing.
 */
export function verifyCheckpoints(
  table: readonly AuditCheckpoint[],
  archive?: readonly AuditCheckpoint[],
): CheckpointReport {
  const problems: ChainProblem[] = [];
  const fromTable = new Map(table.map((c) => [c.n, c]));
  const locked = new Map((archive ?? []).filter((c) => hashCheckpoint(c) === c.hash).map((c) => [c.n, c]));
  for (const c of archive ?? []) {
    if (hashCheckpoint(c) !== c.hash) {
      problems.push({
        seq: c.n,
        kind: 'edited',
        message: `the locked copy of checkpoint ${c.n} does not hash to its recorded hash`,
      });
    }
  }
  const newestLocked = Math.max(0, ...locked.keys());
  const chosen = new Map<number, AuditCheckpoint>();
  for (const n of new Set([...fromTable.keys(), ...locked.keys()])) {
    const inTable = fromTable.get(n);
    const copy = locked.get(n);
    if (copy && !inTable) {
      problems.push({
        seq: n,
        kind: 'missing',
        message: `checkpoint ${n} was removed from the audit table; its locked copy remains`,
      });
    } else if (copy && inTable && inTable.hash !== copy.hash) {
      problems.push({
        seq: n,
        kind: 'edited',
        message: `checkpoint ${n} in the audit table differs from its locked copy`,
      });
    } else if (!copy && inTable && archive && n < newestLocked) {
      problems.push({
        seq: n,
        kind: 'missing',
        message: `checkpoint ${n} has no locked copy in the archive, though later ones do`,
      });
    }
    chosen.set(n, copy ?? (inTable as AuditCheckpoint));
  }
  const sorted = [...chosen.values()].sort((a, b) => a.n - b.n);
  let previous: AuditCheckpoint | undefined;
  const anchored = new Map<string, AnchoredHead & { checkpoint: number }>();
  for (const c of sorted) {
    const expected = (previous?.n ?? 0) + 1;
    if (c.n > expected) {
      const gap = c.n - 1 === expected ? `${expected}` : `${expected} to ${c.n - 1}`;
      problems.push({ seq: expected, kind: 'missing', message: `checkpoint ${gap} is missing` });
    }
    if (hashCheckpoint(c) !== c.hash) {
      problems.push({
        seq: c.n,
        kind: 'edited',
        message: `checkpoint ${c.n} was changed after it was written`,
      });
    }
    const expectedPrev = previous ? previous.hash : c.n === 1 ? GENESIS_HASH : undefined;
    if (expectedPrev !== undefined && c.n === expected && c.prev_hash !== expectedPrev) {
      problems.push({
        seq: c.n,
        kind: 'broken_link',
        message: `checkpoint ${c.n} does not follow checkpoint ${c.n - 1}`,
      });
    }
    for (const head of c.heads) {
      const known = anchored.get(head.run_id);
      if (!known || head.seq >= known.seq) anchored.set(head.run_id, { ...head, checkpoint: c.n });
    }
    previous = c;
  }
  return {
    ok: problems.length === 0,
    checked: sorted.length,
    archive: archive !== undefined,
    problems,
    anchored,
  };
}

/** A head-log key for a write at `nowMs`: the time in microseconds-like units plus a random part, so two writers in one millisecond rarely collide (and a collision is retried). */
export function headLogKey(nowMs: number): number {
  return Math.floor(nowMs) * 1000 + randomInt(1000);
}

/**
 * Writes the next audit checkpoint (a schedule calls it every few minutes): the newest head of
 * every run the head log shows moving since the last checkpoint, chained to that checkpoint,
 * then its locked copy when there is an archive.
 */

import type { AuditAnchors, CheckpointArchive, Clock, StoredCheckpoint } from '../ports.ts';
import { type AnchoredHead, chainCheckpoint } from './audit-checkpoint.ts';

/**
 * How far before the last checkpoint's newest head-log key the next one reads again: a writer
 * whose clock is behind, or whose put was slow, can land a key below one already read. Heads
 * read twice are left out when the last checkpoint holds them already.
 */
export const HEAD_LOG_OVERLAP_MS = 5 * 60_000;
/** Heads per checkpoint: keeps an item far below DynamoDB's 400 KB (about 150 bytes a head). */
export const MAX_HEADS_PER_CHECKPOINT = 1000;

/** What one call wrote. */
export interface CheckpointOutcome {
  /** The numbers of the checkpoints written (none when no run's trail moved). */
  written: number[];
  /** A checkpoint whose locked copy was missing and is now written. */
  archivedLate?: number;
  /** Another writer made a checkpoint at the same time; this one stopped. */
  raced?: boolean;
}

/** Writes the checkpoints owed; safe to call concurrently (the table's conditional put decides). */
export async function writeAuditCheckpoint(deps: {
  anchors: AuditAnchors;
  archive?: CheckpointArchive;
  now: Clock;
}): Promise<CheckpointOutcome> {
  const { anchors, archive } = deps;
  const outcome: CheckpointOutcome = { written: [] };
  let latest: StoredCheckpoint | undefined = await anchors.latestCheckpoint();
  // A writer that stopped between the table and the archive left the newest one unlocked.
  if (latest && archive && !latest.archived) {
    await archive.put(latest);
    await anchors.markArchived(latest);
    outcome.archivedLate = latest.n;
  }
  const since = latest ? latest.through - HEAD_LOG_OVERLAP_MS * 1000 : 0;
  const entries = await anchors.readHeadLog(since);
  const newest = new Map<string, AnchoredHead>();
  for (const e of entries) {
    const known = newest.get(e.run_id);
    if (!known || e.seq > known.seq) newest.set(e.run_id, { run_id: e.run_id, seq: e.seq, hash: e.hash });
  }
  const already = new Map((latest?.heads ?? []).map((h) => [h.run_id, h.seq]));
  const heads = [...newest.values()].filter((h) => (already.get(h.run_id) ?? 0) < h.seq);
  if (heads.length === 0) return outcome;
  const through = Math.max(latest?.through ?? 0, ...entries.map((e) => e.key));
  const at = new Date(deps.now()).toISOString();
  for (let i = 0; i < heads.length; i += MAX_HEADS_PER_CHECKPOINT) {
    const next = chainCheckpoint(latest, {
      at,
      through,
      heads: heads.slice(i, i + MAX_HEADS_PER_CHECKPOINT),
    });
    if (!(await anchors.putCheckpoint(next))) return { ...outcome, raced: true };
    if (archive) {
      await archive.put(next);
      await anchors.markArchived(next);
    }
    outcome.written.push(next.n);
    latest = { ...next, archived: true };
  }
  return outcome;
}

/**
 * `signoff audit verify`: checks the hash chain of one run's audit trail, or of every run's,
 * against the run records and the checkpoints (with their locked copies when there is an archive).
 */

import type {
  AuditAnchors,
  AuditEvent,
  AuditQuery,
  CheckpointArchive,
  RunRecord,
  RunStore,
} from '../ports.ts';
import { isRunId } from '../runs/run-view.ts';
import { type ChainProblem, type ChainReport, verifyAuditChain } from './audit-chain.ts';
import { type AnchoredHead, type CheckpointReport, verifyCheckpoints } from './audit-checkpoint.ts';

/** One run's verification. */
export type RunChainReport = ChainReport & { run_id: string; events: number };

/** The checkpoints' verification, without the anchored heads. */
export type CheckpointSummary = Omit<CheckpointReport, 'anchored'> & { newest?: { n: number; at: string } };

/** What `verifyAuditTrail` reads. Without `anchors` there are no checkpoints to check against. */
export interface VerifyAuditDeps {
  auditQuery: AuditQuery;
  runs: RunStore;
  anchors?: AuditAnchors;
  checkpointArchive?: CheckpointArchive;
}

/** The whole verification: `ok` only if every run and the checkpoints are intact. */
export interface AuditVerification {
  ok: boolean;
  runs: RunChainReport[];
  checkpoints: CheckpointSummary;
}

/**
 * Verifies the given run, or every run the run store or a checkpoint knows (newest first, then
 * the runs only a checkpoint still names). A run id nobody knows is `not_found`.
 */
export async function verifyAuditTrail(deps: VerifyAuditDeps, runId?: string): Promise<AuditVerification> {
  const [stored, locked] = await Promise.all([
    deps.anchors?.readCheckpoints() ?? [],
    deps.checkpointArchive?.list(),
  ]);
  const { anchored, ...checkpointReport } = verifyCheckpoints(stored, locked);
  const newest = [...stored, ...(locked ?? [])].sort((a, b) => b.n - a.n)[0];
  const runIds = runId ? [runId] : await allRunIds(deps.runs, [...anchored.keys()]);
  const runs = await mapInBatches(runIds, async (id): Promise<RunChainReport> => {
    if (!isRunId(id)) return notFound(id);
    const [events, head, run] = await Promise.all([
      deps.auditQuery.readRun(id),
      deps.auditQuery.readHead(id),
      deps.runs.get(id),
    ]);
    const anchor = anchored.get(id);
    if (!run && events.length === 0 && !head && !anchor) return notFound(id);
    const chain = verifyAuditChain(events, head);
    const problems = [...chain.problems];
    problems.push(...checkAgainstAnchor(run, events, anchor, problems));
    problems.push(...checkAgainstRun(run, events, problems));
    return {
      run_id: id,
      events: events.length,
      checked: chain.checked,
      ok: problems.length === 0,
      problems,
    };
  });
  return {
    ok: checkpointReport.ok && runs.every((r) => r.ok),
    runs,
    checkpoints: { ...checkpointReport, ...(newest ? { newest: { n: newest.n, at: newest.at } } : {}) },
  };
}

function notFound(id: string): RunChainReport {
  const shown = id.slice(0, 80);
  return {
    run_id: shown,
    events: 0,
    checked: 0,
    ok: false,
    problems: [{ seq: 0, kind: 'not_found', message: `there is no run ${shown} and no audit event for it` }],
  };
}

/**
 * A checkpoint recorded the run's trail up to `anchor.seq` with that event's hash, outside the
 * run's own items: removing the newest events and the head record, or every item of the run and
 * its run record, leaves the trail short of it.
 */
function checkAgainstAnchor(
  run: RunRecord | undefined,
  events: readonly AuditEvent[],
  anchor: (AnchoredHead & { checkpoint: number }) | undefined,
  found: readonly ChainProblem[],
): ChainProblem[] {
  if (!anchor) return [];
  const newest = events.reduce((max, e) => Math.max(max, e.seq), 0);
  if (anchor.seq > newest) {
    if (found.some((p) => p.kind === 'missing' && p.seq === newest + 1)) return [];
    const range =
      anchor.seq === newest + 1 ? `event ${anchor.seq} is` : `events ${newest + 1} to ${anchor.seq} are`;
    const gone =
      events.length > 0
        ? ''
        : run
          ? ': every event of the run was removed'
          : ': the run record and every audit event of the run were removed';
    return [
      {
        seq: newest + 1,
        kind: 'missing',
        message: `${range} missing${gone} (checkpoint ${anchor.checkpoint} recorded the trail up to event ${anchor.seq})`,
      },
    ];
  }
  const event = events.find((e) => e.seq === anchor.seq);
  if (
    event &&
    event.hash !== anchor.hash &&
    !found.some((p) => p.seq === anchor.seq && p.kind === 'edited')
  ) {
    return [
      {
        seq: anchor.seq,
        kind: 'edited',
        message: `event ${anchor.seq} is not the one checkpoint ${anchor.checkpoint} recorded`,
      },
    ];
  }
  return [];
}

/**
 * The run record, kept in another table, says what the trail must hold: a run that exists has at
 * least its start, and a run that ended has its `run_finished`. So removing a run's whole trail,
 * or its newest events up to its end together with the head record, does not pass as intact even
 * before a checkpoint anchored them. (Events after the end, such as a refused late vote, are
 * covered by the head record and the next checkpoint.)
 */
function checkAgainstRun(
  run: RunRecord | undefined,
  events: readonly AuditEvent[],
  found: readonly ChainProblem[],
): ChainProblem[] {
  if (!run || found.some((p) => p.kind === 'missing')) return [];
  if (events.length === 0) {
    return [
      { seq: 1, kind: 'missing', message: 'the run exists but has no audit events: every one was removed' },
    ];
  }
  if (run.status === 'RUNNING' || events.some((e) => e.action === 'run_finished')) return [];
  const newest = [...events].sort((a, b) => a.seq - b.seq).at(-1) as AuditEvent;
  return [
    {
      seq: newest.seq + 1,
      kind: 'missing',
      message: `the run ended (${run.status}) but its trail stops at event ${newest.seq} (${newest.action}), before run_finished: the newest events are missing`,
    },
  ];
}

/** Verifies runs a few at a time: all at once would open thousands of requests for a big trail. */
async function mapInBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, size = 25): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** Every run the run store lists (newest first), then those only a checkpoint names. */
async function allRunIds(runs: RunStore, anchoredIds: string[]): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await runs.list({}, { limit: 100, ...(cursor ? { cursor } : {}) });
    ids.push(...page.runs.map((r) => r.id));
    cursor = page.cursor;
  } while (cursor);
  const listed = new Set(ids);
  return [...ids, ...anchoredIds.filter((id) => !listed.has(id)).sort()];
}

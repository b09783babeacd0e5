/**
 * Newer runs supersede older ones, so an approval given to an older plan can never be used:
 * - once a gate of a run is approved, every older run of the same workflow and project still
 *   waiting at a gate is cancelled as "superseded by run X";
 * - a run on an open pull request is superseded as soon as a newer push's run of the same
 *   workflow asks for its approval: its commit is no longer what the pull request would merge;
 * - a run waiting at a gate with its project locks is superseded by a newer run of the same
 *   workflow that waits for those locks (a newer run could otherwise never reach its own gate).
 * Runs on different pull requests never supersede each other. Decided here, on the server, from
 * the gates table alone; each older gate closes with one conditional write that also puts its
 * audit event and card update in its outbox, and the drainer ends its run (SendTaskFailure
 * Cancelled).
 */
import type { RunInfo } from '../../../statemachines/contract.ts';
import type { Gate, GateStore } from '../ports.ts';
import type { VoteDeps } from './approval-deps.ts';
import { gateAuditBase } from './gate.ts';

/** The actor of a gate closed because a newer run superseded it. */
const SUPERSEDE_ACTOR = { email: 'system:supersede', name: 'signoff (superseded)' } as const;

/** Pending gates read per superseding pass; older gates beyond it wait for the next approval. */
const PENDING_SCAN = 500;

/** The open pull request a run was started for (`owner/repo#7`); undefined for any other run. */
function openPullRequestOf(run: RunInfo): string | undefined {
  const { trigger } = run;
  return trigger.type === 'github' && trigger.event === 'pull_request'
    ? `${trigger.repository}#${trigger.pr.number}`
    : undefined;
}

/** Whether `older` is a pending gate, open to superseding, of an earlier run of `newer`'s workflow. */
function waitsBeforeRun(older: Gate, newer: RunInfo): boolean {
  return (
    older.status === 'pending' &&
    older.config.supersede !== false &&
    older.workflow === newer.workflow &&
    older.run.id !== newer.id &&
    Date.parse(older.run.started_at) < Date.parse(newer.started_at)
  );
}

/** Whether `older` waits at a gate of a run that `newer`'s run supersedes. */
function isSupersededBy(older: Gate, newer: Gate): boolean {
  const project = newer.data.plan?.project;
  return (
    waitsBeforeRun(older, newer.run) &&
    openPullRequestOf(older.run) === openPullRequestOf(newer.run) &&
    newer.config.supersede !== false &&
    project !== undefined &&
    older.data.plan?.project === project
  );
}

/** The sentence a superseded gate and its run are closed with. */
function supersededReason(runId: string): string {
  return `superseded by run ${runId}`;
}

/** What superseding needs: the gates table (one conditional write per older gate) and the clock. */
export type SupersedeDeps = Pick<VoteDeps, 'now'> & { gates: GateStore };

/**
 * Cancels every older waiting run `newer` supersedes: when `newer` is approved, or, for a run on an
 * open pull request, as soon as it is requested. Returns the gate ids this call closed.
 */
export async function supersedeOlderRuns(deps: SupersedeDeps, newer: Gate): Promise<string[]> {
  const requestedOnPullRequest = newer.status === 'pending' && openPullRequestOf(newer.run) !== undefined;
  if (newer.status !== 'approved' && !requestedOnPullRequest) return [];
  const closed: string[] = [];
  for (const older of await deps.gates.listByStatus('pending', PENDING_SCAN)) {
    if (!isSupersededBy(older, newer)) continue;
    const won = await closeSuperseded(deps, older, newer.run.id, {
      superseded_by_gate: newer.gate_id,
      ...(newer.status === 'approved'
        ? { approved_plan_hash: newer.data.plan?.hash ?? null }
        : {
            newer_commit: newer.run.trigger.type === 'github' ? newer.run.trigger.pr.merge_commit : null,
            plan_hash: newer.data.plan?.hash ?? null,
          }),
    });
    if (won) closed.push(older.gate_id);
  }
  return closed;
}

/**
 * Cancels the waiting gates of `holder`, the run that holds `project`'s lock, when `newer`, a run of
 * the same workflow started after it, waits for that lock: the holder's plan is older than what the
 * newer run will plan, and without this the newer run would wait until the holder is decided or
 * time out. A holder still planning or applying keeps its lock. Returns the gate ids closed.
 */
export async function supersedeLockHolder(
  deps: SupersedeDeps,
  holder: string,
  project: string,
  newer: RunInfo,
): Promise<string[]> {
  const closed: string[] = [];
  for (const older of await deps.gates.listByRun(holder)) {
    if (!waitsBeforeRun(older, newer)) continue;
    if (await closeSuperseded(deps, older, newer.id, { waiting_for_lock: project }))
      closed.push(older.gate_id);
  }
  return closed;
}

/** Closes `older` as superseded by run `by`, with its audit event and card update in its outbox. */
async function closeSuperseded(
  deps: SupersedeDeps,
  older: Gate,
  by: string,
  details: Record<string, unknown>,
): Promise<boolean> {
  const at = new Date(deps.now()).toISOString();
  const reason = supersededReason(by);
  // False when a vote or another superseding pass closed it first, which is as good.
  return deps.gates.close(
    older.gate_id,
    {
      status: 'cancelled',
      closed_at: at,
      closed_by: SUPERSEDE_ACTOR,
      comment: reason,
      engine_notified: false,
    },
    [
      {
        id: `superseded#${by}`,
        audit: {
          ...gateAuditBase(older),
          action: 'gate_cancelled',
          actor: SUPERSEDE_ACTOR,
          at,
          reason,
          details: { superseded_by_run: by, ...details },
        },
        notify: 'decided',
      },
    ],
  );
}

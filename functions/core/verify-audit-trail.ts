/** `signoff audit verify`: checks the hash chain of one run's audit trail, or of every run's. */
import { type ChainProblem, type ChainReport, verifyAuditChain } from './audit-chain.ts';
import type { AuditEvent, AuditQuery, RunRecord, RunStore } from './ports.ts';
import { isRunId } from './run-view.ts';

/** One run's verification. */
export type RunChainReport = ChainReport & { run_id: string; events: number };

/** Verifies the given run, or every run the store knows (newest first); `ok` only if all are intact. */
export async function verifyAuditTrail(
  deps: { auditQuery: AuditQuery; runs: RunStore },
  runId?: string,
): Promise<{ ok: boolean; runs: RunChainReport[] }> {
  const runIds = runId ? [runId] : await allRunIds(deps.runs);
  const runs = await Promise.all(
    runIds.map(async (id): Promise<RunChainReport> => {
      if (!isRunId(id)) return notFound(id);
      const [events, head, run] = await Promise.all([
        deps.auditQuery.readRun(id),
        deps.auditQuery.readHead(id),
        deps.runs.get(id),
      ]);
      if (!run && events.length === 0 && !head) return notFound(id);
      const chain = verifyAuditChain(events, head);
      const problems = [...chain.problems, ...checkAgainstRun(run, events, chain.problems)];
      return {
        run_id: id,
        events: events.length,
        checked: chain.checked,
        ok: problems.length === 0,
        problems,
      };
    }),
  );
  return { ok: runs.every((r) => r.ok), runs };
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
 * The run record, kept in another table, says what the trail must hold: a run that exists has at
 * least its start, and a run that ended has its `run_finished`. So removing a run's whole trail,
 * or its newest events up to its end together with the head record, does not pass as intact.
 * (Events after the end, such as a refused late vote, are only covered by the head record.)
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

async function allRunIds(runs: RunStore): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await runs.list({}, { limit: 100, ...(cursor ? { cursor } : {}) });
    ids.push(...page.runs.map((r) => r.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

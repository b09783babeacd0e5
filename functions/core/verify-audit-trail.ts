/** `signoff audit verify`: checks the hash chain of one run's audit trail, or of every run's. */
import { type ChainReport, verifyAuditChain } from './audit-chain.ts';
import type { AuditQuery, RunStore } from './ports.ts';

/** One run's verification. */
export type RunChainReport = ChainReport & { run_id: string; events: number };

/** Verifies the given run, or every run the store knows (newest first); `ok` only if all are intact. */
export async function verifyAuditTrail(
  deps: { auditQuery: AuditQuery; runs: RunStore },
  runId?: string,
): Promise<{ ok: boolean; runs: RunChainReport[] }> {
  const runIds = runId ? [runId] : await allRunIds(deps.runs);
  const runs = await Promise.all(
    runIds.map(async (id) => {
      const [events, head] = await Promise.all([deps.auditQuery.readRun(id), deps.auditQuery.readHead(id)]);
      return { run_id: id, events: events.length, ...verifyAuditChain(events, head) };
    }),
  );
  return { ok: runs.every((r) => r.ok), runs };
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

/**
 * What the audit head log costs an append, and what checkpoints and verification take, on
 * dynalite: 1,000 appends (200 runs of 5 events) from 50 concurrent writers, once with the
 * head-log write switched off and once as shipped, alternating twice so the machine's load
 * falls on both alike; then one checkpoint over the 200 runs and a verification of all of them.
 */
import { performance } from 'node:perf_hooks';
import { DynamoDbAuditLog } from '../functions/adapters/dynamodb-audit-log.ts';
import { MemoryCheckpointArchive } from '../functions/adapters/memory-checkpoint-archive.ts';
import { MemoryRunStore } from '../functions/adapters/memory-run-store.ts';
import { verifyAuditTrail } from '../functions/core/audit/verify-audit-trail.ts';
import { writeAuditCheckpoint } from '../functions/core/audit/write-audit-checkpoint.ts';
import type { AuditEventInput } from '../functions/core/ports.ts';
import { startDynalite } from '../test/support/dynalite.ts';

const RUNS = 200;
const EVENTS_PER_RUN = 5;
const WRITERS = 50;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function event(runId: string, i: number): AuditEventInput {
  return {
    action: i === 0 ? 'run_started' : 'approved',
    actor: { email: 'jane@acme.com', name: 'Jane' },
    workflow: 'bench',
    run_id: runId,
    at: new Date().toISOString(),
    comment: 'looks good',
  };
}

/** Appends every run's events (each run in order, runs side by side); returns per-append latencies. */
async function appendAll(
  audit: DynamoDbAuditLog,
  prefix: string,
): Promise<{ ms: number[]; seconds: number }> {
  const runIds = Array.from({ length: RUNS }, (_, r) => `${prefix}-${r}`);
  const ms: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < runIds.length) {
        const runId = runIds[next++] as string;
        for (let i = 0; i < EVENTS_PER_RUN; i++) {
          const t = performance.now();
          await audit.append(event(runId, i));
          ms.push(performance.now() - t);
        }
      }
    }),
  );
  return { ms: ms.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000 };
}

/** Runs the benchmark and prints its figures. */
export default async function auditAppendBench(): Promise<void> {
  const db = await startDynalite();
  try {
    const shipped = new DynamoDbAuditLog(db.docClient, db.tableNames.audit);
    const withoutLog = new DynamoDbAuditLog(db.docClient, db.tableNames.audit);
    withoutLog.anchors.logHead = async () => undefined;
    await appendAll(shipped, 'warmup');
    const results = { without: [] as number[], with: [] as number[], seconds: { without: 0, with: 0 } };
    for (const round of [1, 2]) {
      const a = await appendAll(withoutLog, `plain-${round}`);
      const b = await appendAll(shipped, `logged-${round}`);
      results.without.push(...a.ms);
      results.with.push(...b.ms);
      results.seconds.without += a.seconds;
      results.seconds.with += b.seconds;
    }
    const line = (name: string, ms: number[], seconds: number) =>
      console.log(
        `${name}: ${Math.round(ms.length / seconds)} appends/s, p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms`,
      );
    const sortedWithout = results.without.sort((x, y) => x - y);
    const sortedWith = results.with.sort((x, y) => x - y);
    console.log(
      `${RUNS * EVENTS_PER_RUN} appends x 2 rounds each, ${WRITERS} concurrent writers, dynalite in process`,
    );
    line('append without head log', sortedWithout, results.seconds.without);
    line('append with head log (shipped)', sortedWith, results.seconds.with);

    // One writer at a time, the two kinds interleaved append by append: the latency one vote sees.
    const alone = { without: [] as number[], with: [] as number[] };
    for (let i = 0; i < 400; i++) {
      for (const [kind, audit] of [
        ['without', withoutLog],
        ['with', shipped],
      ] as const) {
        const started = performance.now();
        await audit.append(event(`alone-${kind}-${i % 40}`, i));
        alone[kind].push(performance.now() - started);
      }
    }
    for (const kind of ['without', 'with'] as const) {
      const ms = alone[kind].sort((x, y) => x - y);
      console.log(
        `one writer, append ${kind} head log: p50 ${percentile(ms, 50).toFixed(2)} ms, p99 ${percentile(ms, 99).toFixed(2)} ms`,
      );
    }

    const archive = new MemoryCheckpointArchive();
    let t = performance.now();
    const outcome = await writeAuditCheckpoint({ anchors: shipped.anchors, archive, now: Date.now });
    const anchoredRuns = (await shipped.anchors.readCheckpoints()).reduce((n, c) => n + c.heads.length, 0);
    console.log(
      `checkpoint over the head log (${outcome.written.length} checkpoint(s), ${anchoredRuns} runs): ${Math.round(performance.now() - t)} ms`,
    );
    t = performance.now();
    const report = await verifyAuditTrail({
      auditQuery: shipped,
      runs: new MemoryRunStore(),
      anchors: shipped.anchors,
      checkpointArchive: archive,
    });
    console.log(
      `verify every anchored run (${report.runs.length} runs, ok ${report.ok}): ${Math.round(performance.now() - t)} ms`,
    );
  } finally {
    await db.stop();
  }
}

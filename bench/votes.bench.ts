/**
 * The vote path under a burst, over real HTTP on the local runtime: 100 runs parked at a 2-of-4
 * gate, then 200 `POST /api/gates/{id}/votes` sent all at once (two distinct leads per gate).
 * Prints votes/s, p50/p95 answer latency, the non-2xx count (0 expected: every vote counts),
 * audit vote events against accepted votes, gates decided right and runs that went on.
 * `BENCH_VOTE_RUNS` changes the number of runs (two votes each).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../local/runtime.ts';
import { GATE_WORKFLOW, gateWorkspace, PLATFORM_LEADS } from '../test/support/gate-workspace.ts';

const RUNS = Number(process.env.BENCH_VOTE_RUNS ?? 100);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Runs the benchmark and prints its figures. */
export default async function votesBench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-bench-votes-'));
  const rt = await startRuntime({
    root: gateWorkspace(),
    dataDir,
    port: 0,
    inboxPort: 0,
    logLevel: 'SILENT',
  });
  try {
    const tokens = JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')) as Record<string, string>;
    const call = async (as: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${rt.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[as]}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    let t = performance.now();
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, RUNS - i) }, async () => {
          const { status, body } = await call('jane@acme.com', 'POST', '/api/runs', {
            workflow: GATE_WORKFLOW,
          });
          if (status !== 201) throw new Error(`start failed: ${status} ${JSON.stringify(body)}`);
          runIds.push(body.run.id);
        }),
      );
    }
    const gates: string[] = [];
    for (const runId of runIds) {
      for (;;) {
        const { body } = await call('jane@acme.com', 'GET', `/api/runs/${runId}`);
        const gate = body.gates[0]?.gate;
        if (gate?.status === 'pending') {
          gates.push(gate.gate_id);
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    console.log(`${RUNS} runs parked at a 2-of-4 gate in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const votes = gates.flatMap((gateId, i) => [
      { gateId, as: PLATFORM_LEADS[i % 4] as string },
      { gateId, as: PLATFORM_LEADS[(i + 1) % 4] as string },
    ]);
    votes.sort(() => Math.random() - 0.5);
    const latencies: number[] = [];
    t = performance.now();
    const answers = await Promise.all(
      votes.map(async (vote) => {
        const s = performance.now();
        const answer = await call(vote.as, 'POST', `/api/gates/${vote.gateId}/votes`, {
          decision: 'approve',
        });
        latencies.push(performance.now() - s);
        return answer;
      }),
    );
    const seconds = (performance.now() - t) / 1000;
    latencies.sort((a, b) => a - b);
    const non2xx = answers.filter((a) => a.status < 200 || a.status > 299).length;
    const counted = answers.filter((a) => a.status === 200 && a.body.kind === 'counted').length;

    // Let the drain behind the answers finish, then check gates, audit and runs.
    let approved = 0;
    let finished = 0;
    let auditVotes = 0;
    const settleBy = Date.now() + 60_000;
    for (const [i, runId] of runIds.entries()) {
      for (;;) {
        const { body } = await call('jane@acme.com', 'GET', `/api/runs/${runId}`);
        if (body.run.status !== 'RUNNING' || Date.now() > settleBy) {
          if (body.run.status === 'SUCCEEDED') finished += 1;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      const gate = await rt.deps.gates.get(gates[i] as string);
      if (gate?.status === 'approved' && new Set(gate.approved_by.map((a) => a.email)).size === 2)
        approved += 1;
      const events = await rt.deps.auditQuery.readRun(runId);
      auditVotes += events.filter((e) => e.action === 'approved').length;
    }
    console.log(
      `${votes.length} votes sent at once: ${(votes.length / seconds).toFixed(0)} votes/s (${seconds.toFixed(1)} s), ` +
        `answer p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, ` +
        `max ${percentile(latencies, 100).toFixed(0)} ms`,
    );
    console.log(`non-2xx answers:      ${non2xx}`);
    console.log(`counted votes:        ${counted} of ${votes.length}`);
    console.log(`audit vote events:    ${auditVotes} (accepted votes: ${counted})`);
    console.log(`gates approved 2-of-4: ${approved} of ${RUNS}`);
    console.log(`approved runs ended SUCCEEDED: ${finished} of ${RUNS}`);
    if (non2xx !== 0 || auditVotes !== counted || approved !== RUNS || finished !== RUNS)
      process.exitCode = 1;
  } finally {
    await rt.stop();
  }
}

/**
 * Votes per second through castVote against dynalite: 50 concurrent voters over 500 gates
 * (2-of-4, every lead approves and one approves again from a second channel). Prints p50/p99
 * latency and the count of lost or double-counted votes, which must be 0.
 */
import { performance } from 'node:perf_hooks';
import { castVote, type VoteOutcome, type VoteRequest } from '../functions/core/approval/cast-vote.ts';
import { requestApproval } from '../functions/core/approval/request-approval.ts';
import { createDynamoDeps, requestInput } from '../test/support/approval-fixtures.ts';
import { startDynalite } from '../test/support/dynalite.ts';

const GATES = 500;
const CONCURRENCY = 50;
const LEADS = ['alice@acme.com', 'bob@acme.com', 'carol@acme.com', 'dave@acme.com'];

async function pool<T>(items: T[], workers: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Runs the benchmark and prints its figures. */
export default async function castVoteBench(): Promise<void> {
  const db = await startDynalite();
  try {
    // Real time: every gate must stay open for the whole run.
    const deps = createDynamoDeps(db, { now: Date.now, set() {}, advance() {} });
    const gateIds: string[] = [];
    const runs = new Map<string, string>();
    await pool(
      Array.from({ length: GATES }, () => requestInput({ required: 2 })),
      CONCURRENCY,
      async (input) => {
        const { gate } = await requestApproval(deps, input);
        gateIds.push(gate.gate_id);
        runs.set(gate.gate_id, input.run.id);
      },
    );

    const votes: VoteRequest[] = gateIds.flatMap((gateId) => [
      ...LEADS.map((voter) => ({ gateId, voter, decision: 'approve' as const, channel: 'slack' as const })),
      { gateId, voter: 'alice@acme.com', decision: 'approve' as const, channel: 'email' as const },
    ]);
    // Shuffle (deterministically) so votes on one gate interleave with others.
    for (let i = votes.length - 1, seed = 42; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [votes[i], votes[j]] = [votes[j] as VoteRequest, votes[i] as VoteRequest];
    }

    const latencies: number[] = [];
    const outcomes: { request: VoteRequest; outcome: VoteOutcome }[] = [];
    const started = performance.now();
    await pool(votes, CONCURRENCY, async (request) => {
      const t = performance.now();
      const outcome = await castVote(deps, request);
      latencies.push(performance.now() - t);
      outcomes.push({ request, outcome });
    });
    const seconds = (performance.now() - started) / 1000;

    let lost = 0;
    let doubled = 0;
    const successes = new Map<string, number>();
    for (const call of deps.engine.calls) {
      if (call.kind === 'success') successes.set(call.token, (successes.get(call.token) ?? 0) + 1);
    }
    for (const gateId of gateIds) {
      const gate = await deps.gates.get(gateId);
      const runId = runs.get(gateId) as string;
      const approvers = gate?.approved_by.map((a) => a.email) ?? [];
      const counted = outcomes.filter((o) => o.request.gateId === gateId && o.outcome.kind === 'counted');
      const audited = (await deps.audit.readRun(runId)).filter((e) => e.action === 'approved');
      doubled += approvers.length - new Set(approvers).size;
      doubled += Math.max(0, (successes.get(`token-${runId}`) ?? 0) - 1);
      doubled += Math.max(0, counted.length - 2);
      lost += counted.filter((o) => !approvers.includes(o.request.voter)).length;
      lost += Math.max(0, 2 - approvers.length) + (gate?.status === 'approved' ? 0 : 1);
      lost += Math.abs(audited.length - counted.length);
      if ((successes.get(`token-${runId}`) ?? 0) === 0) lost += 1;
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`votes:            ${votes.length} over ${GATES} gates, ${CONCURRENCY} concurrent voters`);
    console.log(`throughput:       ${(votes.length / seconds).toFixed(0)} votes/s (${seconds.toFixed(1)} s)`);
    console.log(
      `latency:          p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`,
    );
    console.log(
      `counted/refused:  ${outcomes.filter((o) => o.outcome.kind === 'counted').length} / ${outcomes.filter((o) => o.outcome.kind === 'refused').length}`,
    );
    console.log(`SendTaskSuccess:  ${deps.engine.calls.length} for ${GATES} gates`);
    console.log(`lost votes:       ${lost}`);
    console.log(`double-counted:   ${doubled}`);
    if (lost !== 0 || doubled !== 0) process.exitCode = 1;
  } finally {
    await db.stop();
  }
}

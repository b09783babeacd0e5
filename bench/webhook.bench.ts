/**
 * GitHub deliveries per second through receiveGithubDelivery against dynalite: 300 merged-PR
 * deliveries, each sent twice at once (a redelivery racing the original), 20 in flight. Each
 * delivery starts two workflows. Prints p50/p99 latency and the count of runs answered as started
 * more or less than once per (workflow, delivery), which must be 0.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { signBody } from '../functions/core/triggers/hmac-signature.ts';
import { receiveGithubDelivery } from '../functions/core/triggers/receive-github-delivery.ts';
import { toTriggerRequest } from '../functions/core/triggers/trigger-request.ts';
import { createTriggerDeps, GITHUB_SECRET } from '../test/integration/triggers/trigger-harness.ts';
import { startDynalite } from '../test/support/dynalite.ts';

const DELIVERIES = 300;
const CONCURRENCY = 20;
const BODY = readFileSync(
  new URL('../test/fixtures/github/pull_request.closed-merged.json', import.meta.url),
);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export default async function bench(): Promise<void> {
  const db = await startDynalite();
  try {
    const { deps, engine } = createTriggerDeps(db);
    deps.log = undefined;
    const signature = signBody(BODY, GITHUB_SECRET);
    const calls = Array.from({ length: DELIVERIES * 2 }, (_, i) => `delivery-${Math.floor(i / 2)}`);
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    // Counted from the answers, not the engine: the engine would hide a double start by execution name.
    const startedAnswers = new Map<string, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < calls.length) {
          const delivery = calls[next++] as string;
          const request = toTriggerRequest({
            body: BODY.toString('utf8'),
            headers: {
              'x-github-event': 'pull_request',
              'x-github-delivery': delivery,
              'x-hub-signature-256': signature,
              'content-type': 'application/json',
            },
          });
          const t = performance.now();
          const response = await receiveGithubDelivery(deps, request);
          latencies.push(performance.now() - t);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          for (const run of response.body.started as { run_id: string }[]) {
            startedAnswers.set(run.run_id, (startedAnswers.get(run.run_id) ?? 0) + 1);
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const expected = DELIVERIES * 2;
    const wrong = expected - startedAnswers.size + [...startedAnswers.values()].filter((n) => n !== 1).length;
    latencies.sort((a, b) => a - b);
    console.log(`${calls.length} deliveries (${DELIVERIES} distinct, each twice) in ${seconds.toFixed(2)} s`);
    console.log(`  ${(calls.length / seconds).toFixed(0)} deliveries/s, ${CONCURRENCY} in flight`);
    console.log(
      `  latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
    );
    console.log(`  statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    console.log(
      `  executions started ${engine.starts.length}; runs started other than once: ${wrong} (must be 0)`,
    );
  } finally {
    await db.stop();
  }
}

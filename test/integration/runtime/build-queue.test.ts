/**
 * Issue: "20 concurrent `POST /api/runs` led to ECONNRESET, 26 × 500 and 2 runs ending
 * `StartFailed`. 27 builds ran at once and `/api/health` took 20 s." The local build runner now
 * has a bounded worker pool; a burst of starts queues its builds. Runs of one project also wait
 * for its project lock, so the burst goes round four workflows of four different projects: four
 * plans are asked for at once, two run and two queue.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsCommand } from '../../../cli/run-commands.ts';
import type { BuildPoolStats } from '../../../local/build-pool.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../../support/runtime-process.ts';

const WORKERS = 2;
const STARTS = 20;
/** Four workflows a developer may start, each on its own project. */
const WORKFLOWS = [
  'production-deploy-with-approval',
  'critical-infra-two-person',
  'production-deploy-with-escalation',
  'staging-deploy',
];
let runtime: RuntimeProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'signoff-queue-'));
  runtime = await startRuntimeProcess({ dataDir, buildWorkers: WORKERS });
});
afterAll(() => {
  // Also ends the builds still running: the runtime's process group.
  runtime?.killGroup();
});

async function buildStats(): Promise<BuildPoolStats> {
  return (await (await fetch(`${runtime.url}/dev/builds`)).json()) as BuildPoolStats;
}

describe('a burst of run starts on the local runtime', () => {
  it(`answers ${STARTS} concurrent starts with 201, queues their builds and runs at most ${WORKERS} at once`, async () => {
    const answers = await Promise.all(
      Array.from({ length: STARTS }, (_, i) =>
        runtime.api('jane@acme.com', 'POST', '/api/runs', {
          workflow: WORKFLOWS[i % WORKFLOWS.length],
          reason: `burst ${i}`,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(STARTS).fill(201));
    const runIds = answers.map((a) => a.body.run.id as string);

    // A run whose build waits for a worker says so, in its view, the runs list and the CLI. The
    // runs ask for their plans once they hold their locks: read the views until one waits (a busy
    // machine may answer the first reads before any run has asked).
    let queued = 0;
    for (let read = 0; read < 50 && queued === 0; read++) {
      if (read > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      const views = await Promise.all(
        runIds.map((id) => runtime.api('jane@acme.com', 'GET', `/api/runs/${id}`)),
      );
      queued = views.filter((v) => v.body.steps[0].status === 'queued').length;
    }
    expect(queued).toBeGreaterThanOrEqual(1);
    const { body: list } = await runtime.api('jane@acme.com', 'GET', '/api/runs');
    expect(
      list.runs.filter((r: { queued_step?: string }) => r.queued_step === 'plan').length,
    ).toBeGreaterThan(0);
    const tokens = JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')) as Record<string, string>;
    const lines: string[] = [];
    await runsCommand(
      { endpoint: runtime.url, token: tokens['jane@acme.com'], waiting: false, json: false },
      (text) => lines.push(text),
    );
    expect(lines.join('\n')).toContain('Queued');

    // Health answers while the builds queue.
    expect((await fetch(`${runtime.url}/api/health`)).status).toBe(200);

    // Let a few builds go through the pool, then read its own counters.
    let stats = await buildStats();
    while (stats.finished < WORKERS + 1) {
      await new Promise((r) => setTimeout(r, 500));
      stats = await buildStats();
    }
    expect(stats.maxRunning).toBe(WORKERS);
    expect(stats.running).toBeLessThanOrEqual(WORKERS);
    // Every build asked for either ran or waits; the runs still waiting for their project's lock
    // have asked for none yet.
    expect(stats.started + stats.queued).toBeLessThanOrEqual(STARTS);

    const { body: after } = await runtime.api('jane@acme.com', 'GET', '/api/runs?limit=50');
    const mine = after.runs.filter((r: { id: string }) => runIds.includes(r.id));
    expect(mine).toHaveLength(STARTS);
    expect(mine.filter((r: { error?: string }) => r.error === 'StartFailed')).toEqual([]);
    // Each run goes on, unless a newer run of its workflow found it waiting at its gate with the
    // project's lock and superseded it.
    type Row = { status: string; error?: string; cause?: string };
    const ended = mine.filter((r: Row) => r.status !== 'RUNNING');
    for (const r of ended as Row[]) {
      expect(r).toMatchObject({ status: 'FAILED', error: 'Cancelled' });
      expect(r.cause).toContain('superseded by run');
    }
  }, 240_000);
});

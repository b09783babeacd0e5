/**
 * The local runtime killed and started again, and under a burst of starts, over real HTTP with
 * the runtime in its own process:
 * - BENCH_PARKED (20) runs parked at a 2-of-4 gate, SIGKILL, start on the same data: time to
 *   ready, runs still waiting, then every gate approved: runs finished, audit chains intact.
 * - BENCH_STARTS (20) concurrent starts of production-deploy-with-approval (plan builds) with the
 *   default build workers: time to answer every start, the answers, the most builds at once,
 *   /api/health latency while the builds queue, time until every run waits at its gate.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildPoolStats } from '../local/build-pool.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../test/support/runtime-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const PARKED = Number(process.env.BENCH_PARKED ?? 20);
const STARTS = Number(process.env.BENCH_STARTS ?? 20);
/** How long the burst waits for every run to reach its gate before it reports what it has. */
const PARK_WAIT_MS = Number(process.env.BENCH_PARK_WAIT_MS ?? 900_000);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const ms = (value: number) => `${Math.round(value)} ms`;

/** A copy of the project's config with one extra workflow: a 2-of-4 gate and nothing else. */
function gateWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'signoff-bench-crash-root-'));
  cpSync(join(root, 'config'), join(dir, 'config'), { recursive: true });
  cpSync(join(root, 'workflows'), join(dir, 'workflows'), { recursive: true });
  mkdirSync(join(dir, 'infra'));
  cpSync(join(root, 'infra', 'buildspec.yml'), join(dir, 'infra', 'buildspec.yml'));
  writeFileSync(
    join(dir, 'workflows', 'bench-gate.yaml'),
    'name: bench-gate\nenvironment: staging\nsteps:\n  - { id: approve, type: approval, approvers: [team:platform-leads], required: 2, timeout: 1h }\n',
  );
  return dir;
}

/** Whether every run's execution on disk shows its gate's request returned (what a resume needs). */
function allParkedOnDisk(dataDir: string, runIds: string[]): boolean {
  const dir = join(dataDir, 'stepfunctions', 'executions');
  if (!existsSync(dir)) return false;
  const files = readdirSync(dir);
  return runIds.every((id) => {
    const name = files.find((file) => file.includes(id));
    return name !== undefined && readFileSync(join(dir, name), 'utf8').includes('"TaskSubmitted"');
  });
}

async function pendingGates(runtime: RuntimeProcess, runIds: string[]): Promise<Map<string, string>> {
  const gates = new Map<string, string>();
  for (const id of runIds) {
    const { body } = await runtime.api('alice@acme.com', 'GET', `/api/runs/${id}`);
    const gate = body.gates?.find((g: { gate: { status: string } }) => g.gate.status === 'pending');
    if (body.run?.status === 'RUNNING' && gate) gates.set(id, gate.gate.gate_id);
  }
  return gates;
}

async function parkedRunsSurviveKill(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-bench-crash-'));
  const workspace = gateWorkspace();
  const first = await startRuntimeProcess({ root: workspace, dataDir });
  let second: RuntimeProcess | undefined;
  try {
    const runIds: string[] = [];
    for (let i = 0; i < PARKED; i++) runIds.push((await first.startRun('jane@acme.com', 'bench-gate')).id);
    while ((await pendingGates(first, runIds)).size < PARKED || !allParkedOnDisk(dataDir, runIds))
      await sleep(200);

    await first.kill();
    const restarted = performance.now();
    second = await startRuntimeProcess({ root: workspace, dataDir });
    const ready = performance.now() - restarted;
    const waiting = await pendingGates(second, runIds);

    const voting = performance.now();
    const answers = await Promise.all(
      [...waiting.values()].flatMap((gateId) =>
        ['alice@acme.com', 'bob@acme.com'].map((as) => second?.vote(as, gateId, 'approve')),
      ),
    );
    const votes = performance.now() - voting;
    let succeeded = 0;
    let auditOk = 0;
    for (const id of runIds) {
      const view = await second.waitFor('jane@acme.com', id, () => false, 120_000);
      if (view.run.status === 'SUCCEEDED') succeeded += 1;
      const verify = await second.api('alice@acme.com', 'GET', `/api/audit/verify?run=${id}`);
      if (verify.body.ok === true) auditOk += 1;
    }
    console.log(`parked runs before SIGKILL         ${PARKED}`);
    console.log(`restart to ready                   ${ms(ready)}`);
    console.log(`still waiting at their gate        ${waiting.size} / ${PARKED}`);
    console.log(
      `votes after restart                ${answers.length} in ${ms(votes)} (${answers.filter((a) => a?.status === 200).length} answered 200)`,
    );
    console.log(`runs succeeded                     ${succeeded} / ${PARKED}`);
    console.log(`audit chains verified              ${auditOk} / ${PARKED}`);
  } finally {
    first.killGroup();
    second?.killGroup();
  }
}

async function burstOfStarts(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-bench-burst-'));
  const runtime = await startRuntimeProcess({ dataDir });
  try {
    const stats = async () => (await (await fetch(`${runtime.url}/dev/builds`)).json()) as BuildPoolStats;
    const health: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const t = performance.now();
        await fetch(`${runtime.url}/api/health`);
        health.push(performance.now() - t);
        await sleep(250);
      }
    })();

    const t0 = performance.now();
    const answers = await Promise.all(
      Array.from({ length: STARTS }, (_, i) =>
        runtime
          .api('jane@acme.com', 'POST', '/api/runs', {
            workflow: 'production-deploy-with-approval',
            reason: `burst ${i}`,
          })
          .catch((error: Error) => ({ status: 0, body: { message: error.message } })),
      ),
    );
    const startedAll = performance.now() - t0;
    const runIds = answers.flatMap((a) => (a.status === 201 ? [a.body.run.id as string] : []));
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);

    let parked = 0;
    while (performance.now() - t0 < PARK_WAIT_MS) {
      parked = (await pendingGates(runtime, runIds)).size;
      if (parked === runIds.length) break;
      await sleep(2000);
    }
    const parkedAfter = performance.now() - t0;
    sampling = false;
    await sampler;
    const pool = await stats();
    const { body: list } = await runtime.api('jane@acme.com', 'GET', '/api/runs?limit=100');
    const startFailed = list.runs.filter((r: { error?: string }) => r.error === 'StartFailed').length;
    const sorted = [...health].sort((a, b) => a - b);

    console.log(`concurrent starts                  ${STARTS}`);
    console.log(`time to answer every start         ${ms(startedAll)}`);
    console.log(
      `answers                            ${[...statuses].map(([status, n]) => `${n} x ${status}`).join(', ')}`,
    );
    console.log(`runs ended StartFailed             ${startFailed}`);
    console.log(`build workers                      ${pool.size}`);
    console.log(`most builds at once                ${pool.maxRunning}`);
    console.log(
      `/api/health during the burst       p50 ${ms(sorted[Math.floor(sorted.length / 2)] ?? 0)}, max ${ms(sorted.at(-1) ?? 0)} (${sorted.length} samples)`,
    );
    console.log(`runs waiting at their gate         ${parked} / ${runIds.length} after ${ms(parkedAfter)}`);
  } finally {
    runtime.killGroup();
  }
}

/** Runs both benchmarks and prints their figures. */
export default async function bench(): Promise<void> {
  console.log('-- parked runs across SIGKILL --');
  await parkedRunsSurviveKill();
  console.log('-- burst of starts --');
  await burstOfStarts();
}

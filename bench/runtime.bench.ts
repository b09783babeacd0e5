/**
 * The local runtime under load, over real HTTP: time from `npm start` to ready; 1,000 runs
 * parked at a 2-of-4 gate, then 2,000 votes from 50 concurrent clients (every gate decided,
 * every run finished, no vote lost); state transitions per run of each example workflow and
 * what that costs in Step Functions at $0.025 per 1,000 transitions. `BENCH_ONLY=start` measures
 * only the start, beside the ready time the runtime printed.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRuntime } from '../local/runtime.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const CLIENTS = 50;
const PRICE_PER_1000_TRANSITIONS = 0.025;

/** Milliseconds from `npm start` until /api/health answers, and the ready time the runtime printed. */
async function timeToReady(): Promise<{ healthyMs: number; printed?: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-bench-start-'));
  const port = 3900 + Math.floor(Math.random() * 90);
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, SIGNOFF_PORT: String(port), SIGNOFF_INBOX_PORT: '0', SIGNOFF_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const printed = async () => {
    for (let i = 0; i < 50 && !/ready in/.test(output); i++) await new Promise((r) => setTimeout(r, 100));
    return output.match(/ready in ([\d.]+ s)/)?.[1];
  };
  try {
    for (let i = 0; i < 600; i++) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/health`);
        if (response.ok) {
          const healthyMs = performance.now() - started;
          return { healthyMs, printed: await printed() };
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('npm start did not become healthy within 60 s');
  } finally {
    process.kill(-(child.pid as number), 'SIGTERM');
  }
}

/** A copy of the project's config with one extra workflow: a 2-of-4 gate and nothing else. */
function benchWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'signoff-bench-root-'));
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

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Calls the runtime's JSON API as a user, with the API token the runtime wrote into `dataDir`. */
function apiCaller(url: string, dataDir: string) {
  const tokens = JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')) as Record<string, string>;
  return async (as: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[as]}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export default async function bench(): Promise<void> {
  const ready = await timeToReady();
  console.log(
    `npm start -> healthy: ${(ready.healthyMs / 1000).toFixed(2)} s (the runtime printed "ready in ${ready.printed ?? '?'}")`,
  );
  if (process.env.BENCH_ONLY === 'start') return;

  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-bench-'));
  const rt = await startRuntime({
    root: benchWorkspace(),
    dataDir,
    port: 0,
    inboxPort: 0,
    logLevel: 'SILENT',
  });
  try {
    const call = apiCaller(rt.url, dataDir);

    // 1,000 runs started and parked at the gate.
    let t = performance.now();
    const runIds: string[] = [];
    await pool(
      Array.from({ length: RUNS }, (_, i) => i),
      CLIENTS,
      async () => {
        const { status, body } = await call('jane@acme.com', 'POST', '/api/runs', { workflow: 'bench-gate' });
        if (status !== 201) throw new Error(`start failed: ${status} ${JSON.stringify(body)}`);
        runIds.push(body.run.id);
      },
    );
    const startSeconds = (performance.now() - t) / 1000;
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
    const parkedSeconds = (performance.now() - t) / 1000;
    console.log(
      `${RUNS} runs started in ${startSeconds.toFixed(1)} s, all parked at the gate after ${parkedSeconds.toFixed(1)} s`,
    );

    // 2,000 votes: two different platform leads per gate, 50 concurrent clients, shuffled.
    const voters = ['alice@acme.com', 'bob@acme.com', 'carol@acme.com', 'dave@acme.com'];
    const votes = gates.flatMap((gateId, i) => [
      { gateId, as: voters[i % 4] as string },
      { gateId, as: voters[(i + 1) % 4] as string },
    ]);
    votes.sort(() => Math.random() - 0.5);
    const latencies: number[] = [];
    let counted = 0;
    let failed = 0;
    t = performance.now();
    await pool(votes, CLIENTS, async (vote) => {
      const s = performance.now();
      const { status, body } = await call(vote.as, 'POST', `/api/gates/${vote.gateId}/votes`, {
        decision: 'approve',
      });
      latencies.push(performance.now() - s);
      if (status === 200 && body.kind === 'counted') counted += 1;
      else failed += 1;
    });
    const voteSeconds = (performance.now() - t) / 1000;
    latencies.sort((a, b) => a - b);

    // Every run must finish; every gate approved with exactly two approvals.
    let finished = 0;
    let wrong = 0;
    for (const runId of runIds) {
      for (let i = 0; ; i++) {
        const { body } = await call('jane@acme.com', 'GET', `/api/runs/${runId}`);
        if (body.run.status !== 'RUNNING') {
          if (body.run.status === 'SUCCEEDED' && body.gates[0]?.gate.approved_by.length === 2) finished += 1;
          else wrong += 1;
          break;
        }
        if (i > 200) {
          wrong += 1;
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    console.log(
      `${votes.length} votes from ${CLIENTS} clients in ${voteSeconds.toFixed(1)} s: ${(votes.length / voteSeconds).toFixed(0)} votes/s, ` +
        `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );
    console.log(
      `votes counted ${counted}, refused or failed ${failed}; lost votes: ${votes.length - counted}`,
    );
    console.log(`runs finished and approved 2-of-4: ${finished} of ${RUNS}; wrong: ${wrong}`);
  } finally {
    await rt.stop();
  }
  await transitionsPerRun();
}

/** Runs every example workflow once on a fresh runtime (approving every gate) and counts states entered. */
async function transitionsPerRun(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-bench-tr-'));
  const rt = await startRuntime({ root, dataDir, port: 0, inboxPort: 0, logLevel: 'SILENT' });
  try {
    const call = apiCaller(rt.url, dataDir);
    console.log('\nstate transitions per run (happy path, every gate approved):');
    console.log('workflow                              transitions  Step Functions $ per 1,000 runs');
    for (const { workflow } of rt.workspace.workflows) {
      const as = workflow.triggers.manual?.roles.includes('developer') ? 'jane@acme.com' : 'olivia@acme.com';
      const { run } = (await call(as, 'POST', '/api/runs', { workflow: workflow.name, reason: 'benchmark' }))
        .body;
      for (;;) {
        const view = (await call(as, 'GET', `/api/runs/${run.id}`)).body;
        if (view.run.status !== 'RUNNING') break;
        for (const g of view.gates) {
          if (g.gate.status !== 'pending') continue;
          const approvers = g.asked.map((a: { email: string }) => a.email).filter((e: string) => e !== as);
          for (const voter of approvers.slice(0, g.gate.required))
            await call(voter, 'POST', `/api/gates/${g.gate.gate_id}/votes`, { decision: 'approve' });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const history = (await rt.sfn.operations.GetExecutionHistory?.({
        executionArn: run.execution_arn,
        maxResults: 1000,
      })) as {
        events: { type: string }[];
      };
      const transitions = history.events.filter((e) => e.type.endsWith('StateEntered')).length;
      console.log(
        `${workflow.name.padEnd(38)}${String(transitions).padStart(11)}  $${(transitions * PRICE_PER_1000_TRANSITIONS).toFixed(3)}`,
      );
    }
  } finally {
    await rt.stop();
  }
}

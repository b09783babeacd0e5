import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../functions/core/ports.ts';
import type { RunView } from '../../functions/core/runs/run-view.ts';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../local/runtime.ts';
import { projectRoot } from './examples.ts';

/** A local runtime on random loopback ports over a fresh data folder, and a small API client. */
export interface TestRuntime extends Runtime {
  api(as: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  startRun(as: string, workflow: string, reason?: string): Promise<RunRecord>;
  /** Polls the run until `until` holds (or it ends), at most `timeoutMs`. */
  waitFor(as: string, runId: string, until: (view: RunView) => boolean, timeoutMs?: number): Promise<RunView>;
  /** Waits for the run's gate at `stepId` to be pending and returns its id. */
  pendingGate(as: string, runId: string, stepId: string): Promise<string>;
  vote(
    as: string,
    gateId: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ): Promise<{ status: number; body: any }>;
}

/** The API helpers of a running runtime, for its `url` and the users' API `tokens`. */
export type RuntimeClient = Pick<TestRuntime, 'api' | 'startRun' | 'waitFor' | 'pendingGate' | 'vote'>;

/** Starts the runtime; pass `dataDir` to restart over the same data. */
export async function startTestRuntime(options: RuntimeOptions = {}): Promise<TestRuntime> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'signoff-runtime-'));
  const runtime = await startRuntime({
    root: projectRoot,
    port: 0,
    inboxPort: 0,
    logLevel: 'SILENT',
    // A test's runs are the ones it starts: schedules fire only when it calls `schedules.tick()`.
    scheduleTickMs: 0,
    ...options,
    dataDir,
  });
  const tokens = JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')) as Record<string, string>;
  return {
    ...runtime,
    ...createRuntimeClient(runtime.url, tokens, (runId) => runtime.deps.auditQuery.readRun(runId)),
  };
}

/** The API helpers over HTTP; `readRun` reads a run's audit events (to wait for its end to be audited). */
export function createRuntimeClient(
  url: string,
  tokens: Record<string, string>,
  readRun: (runId: string) => Promise<{ action: string }[]>,
): RuntimeClient {
  const api: TestRuntime['api'] = async (as, method, path, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[as]}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    };
  };

  /** The run-ended handler audits the end a moment after the status flips: wait for it. */
  const endAudited = async (runId: string, deadline: number) => {
    while (Date.now() < deadline) {
      const events = await readRun(runId);
      if (events.some((e) => e.action === 'run_finished')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const waitFor: TestRuntime['waitFor'] = async (as, runId, until, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await api(as, 'GET', `/api/runs/${runId}`);
      const view = body as RunView;
      if (view.run.status !== 'RUNNING') {
        await endAudited(runId, deadline);
        return view;
      }
      if (until(view) || Date.now() > deadline) return view;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  return {
    api,
    waitFor,
    async startRun(as, workflow, reason) {
      const { status, body } = await api(as, 'POST', '/api/runs', {
        workflow,
        ...(reason ? { reason } : {}),
      });
      if (status !== 201) throw new Error(`start ${workflow} as ${as}: ${status} ${JSON.stringify(body)}`);
      return body.run as RunRecord;
    },
    async pendingGate(as, runId, stepId) {
      const view = await waitFor(as, runId, (v) =>
        v.gates.some((g) => g.gate.step_id === stepId && g.gate.status === 'pending'),
      );
      const gate = view.gates.find((g) => g.gate.step_id === stepId && g.gate.status === 'pending');
      if (!gate)
        throw new Error(`run ${runId} never waited at ${stepId}: ${view.run.status} ${view.run.error ?? ''}`);
      return gate.gate.gate_id;
    },
    vote: (as, gateId, decision, comment) =>
      api(as, 'POST', `/api/gates/${gateId}/votes`, { decision, ...(comment ? { comment } : {}) }),
  };
}

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyReport } from '../../../functions/core/plan/policy-results.ts';
import type { StepSummary } from '../../../functions/core/plan/step-artifacts.ts';
import type { ExecutionEventNotice } from '../../../local/stepfunctions/index.ts';
import { compileWorkflow } from '../../../statemachines/compile.ts';
import type { RunData } from '../../../statemachines/contract.ts';
import { loadWorkspace } from '../../../statemachines/load.ts';
import { withFakeArns } from '../../support/asl-harness.ts';
import { BIG_WORKFLOW, type BigProject, createBigProject } from '../../support/big-project.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';
import type { StoredEmail } from '../email/ses-emulator.ts';
import { createMachine, historyTypes, runToEnd, startHarness } from '../stepfunctions/harness.ts';

const RESOURCES = 5000;
const CHECKS = 2250;
/** Step Functions' state payload quota (256 KiB). */
const STATE_LIMIT = 262_144;

let project: BigProject;
let rt: TestRuntime;
const path = process.env.PATH;
/** The largest state input, output or task result of the run so far, in UTF-8 bytes. */
let largestPayload = 0;
/** The big run's id, for the second test to read back its artifacts. */
let bigRunId = '';

beforeAll(async () => {
  project = createBigProject({ resources: RESOURCES, checks: CHECKS });
  // The local builds inherit this process's PATH: the fake checkov is found as the real one would be.
  process.env.PATH = `${project.binDir}:${path}`;
  rt = await startTestRuntime({ root: project.root });
  rt.sfn.onEvent(({ event }: ExecutionEventNotice) => {
    for (const detail of Object.values(event)) {
      if (typeof detail !== 'object' || detail === null) continue;
      for (const [key, value] of Object.entries(detail)) {
        if (['input', 'output', 'parameters'].includes(key) && typeof value === 'string') {
          largestPayload = Math.max(largestPayload, Buffer.byteLength(value));
        }
      }
    }
  });
});
afterAll(async () => {
  process.env.PATH = path;
  await rt?.stop();
  // 5,000 applied files and their plans: leave nothing behind.
  if (rt) rmSync(rt.dataDir, { recursive: true, force: true });
  project?.remove();
});

async function approvalEmail(gateId: string): Promise<StoredEmail> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { emails } = (await (await fetch(`${rt.inboxUrl}/store`)).json()) as { emails: StoredEmail[] };
    const found = emails.find((m) => m.body.text?.includes(`/approvals/${encodeURIComponent(gateId)}?t=`));
    if (found || Date.now() > deadline) {
      if (!found) throw new Error('no approval email arrived');
      return found;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a 5,000-resource plan with 2,250 Checkov checks on the local runtime', () => {
  it('waits at a normal gate carrying counts and keys, shows every check on the approval page, and applies once approved', async () => {
    const run = await rt.startRun('jane@acme.com', BIG_WORKFLOW);
    bigRunId = run.id;
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');

    const { body: view } = await rt.api('jane@acme.com', 'GET', `/api/runs/${run.id}`);
    const gate = view.gates[0].gate;
    expect(gate.data.plan).toMatchObject({ add: RESOURCES, resources_truncated: true });
    expect(gate.data.plan.resources).toHaveLength(100);
    expect(gate.data.policy).toMatchObject({
      failed: 0,
      mandatory_failed: 0,
      results: [],
      results_truncated: false,
      artifact: `runs/${run.id}/plan/policy.json`,
    });
    expect(gate.data.policy.passed).toBeGreaterThanOrEqual(CHECKS);
    // What used to be about 405 KB now fits with room to spare.
    expect(largestPayload).toBeGreaterThan(0);
    expect(largestPayload).toBeLessThan(STATE_LIMIT / 8);
    console.info(`largest state payload of the big run before the gate: ${largestPayload} bytes`);

    const email = await approvalEmail(gateId);
    const link = email.body.text?.split(/\s+/).find((w) => w.includes(`/approvals/`)) ?? '';
    const page = await (await fetch(link)).text();
    expect(page).toContain(`${gate.data.policy.passed} passed, 0 failed`);
    expect(page.match(/st-approved">Passed/g)?.length).toBe(gate.data.policy.passed);

    const approved = await rt.vote('alice@acme.com', gateId, 'approve', 'big but fine');
    expect(approved.body).toMatchObject({ kind: 'counted', status: 'approved' });
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(done.steps.map((s) => [s.id, s.status])).toEqual([
      ['plan', 'succeeded'],
      ['approve', 'succeeded'],
      ['apply', 'succeeded'],
    ]);
    expect(readdirSync(join(rt.dataDir, 'example-files', 'big'))).toHaveLength(RESOURCES);
    expect(largestPayload).toBeLessThan(STATE_LIMIT / 8);
  }, 120_000);
});

describe('the same run data with the policy trimming removed', () => {
  it('fails the run with States.DataLimitExceeded, recorded in its history, and never reaches the gate', async () => {
    expect(bigRunId, 'needs the big run above').not.toBe('');
    const read = async <T>(name: string) =>
      JSON.parse(new TextDecoder().decode(await rt.deps.artifacts.get(`runs/${bigRunId}/plan/${name}`))) as T;
    const summary = await read<StepSummary>('summary.json');
    const { results } = await read<PolicyReport>('policy.json');
    // What the summarize task returned before the trimming: every passed check in the run data.
    const untrimmed: RunData = {
      plan: summary.plan,
      cost: summary.cost,
      policy: { ...summary.policy, results },
    };
    console.info(
      `run data: ${Buffer.byteLength(JSON.stringify(untrimmed))} bytes untrimmed, ` +
        `${Buffer.byteLength(JSON.stringify({ ...untrimmed, policy: summary.policy }))} bytes as carried now`,
    );

    const h = await startHarness();
    try {
      const workflow = loadWorkspace(project.root).workflows[0]?.workflow;
      if (!workflow) throw new Error('the fixture has no workflow');
      const arn = await createMachine(h, BIG_WORKFLOW, withFakeArns(compileWorkflow(workflow)));
      h.lambdas.on('signoff-RunEnded', () => ({
        acquired: true,
        waiting_since: null,
        retry_after_seconds: 0,
      }));
      h.lambdas.on('signoff-SummarizeStep', () => untrimmed);
      h.lambdas.on('signoff-RequestApproval', () => ({}));
      const run = {
        id: 'untrimmed-run',
        workflow: BIG_WORKFLOW,
        environment: 'production',
        production: true,
        trigger: { type: 'manual' },
        started_by: { email: 'jane@acme.com', name: 'Jane Doe' },
        started_at: new Date().toISOString(),
      };
      const result = await runToEnd(h, arn, { run });

      expect(result).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
      expect(result.cause).toMatch(/'plan\.summarize' returned a result with a size \(\d+ bytes\)/);
      const types = await historyTypes(h, result.executionArn ?? '');
      expect(types).toContain('LambdaFunctionFailed');
      expect(types.at(-1)).toBe('ExecutionFailed');
      expect(h.lambdas.calls.map((c) => c.functionArn.split(':function:')[1])).toEqual([
        'signoff-RunEnded',
        'signoff-SummarizeStep',
      ]);
    } finally {
      await h.close();
    }
  });
});

/**
 * End-to-end runs of signoff as its synthesized template deploys it, with moto as the account
 * and every function holding exactly its role's grants (support/aws-runtime.ts). Any call a
 * function makes without a grant is refused as AWS would refuse it, and shows in `denials`.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { GetScheduleCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHECKPOINTS_LIST_PREFIX, checkpointKey } from '../../functions/adapters/s3-checkpoint-archive.ts';
import { DRAIN_ATTEMPTS } from '../../functions/core/approval/drain-gate.ts';
import { ENGINE_CALL_LEASE_MS } from '../../functions/core/approval/resume-gate.ts';
import { SLACK_ACTION } from '../../functions/core/slack/slack-actions.ts';
import { signBody } from '../../functions/core/triggers/hmac-signature.ts';
import { localSlackId } from '../../local/slack/local-slack.ts';
import { blockActionsPayload, signedInteraction } from '../../local/slack/slack-click.ts';
import { synthSignoff } from '../infra/synth.ts';
import { cookieHeader, linkIn, postForm } from '../integration/web/web-harness.ts';
import type { Granted } from './support/aws-gate.ts';
import { type AwsRuntime, SLACK_SIGNING_SECRET, startAwsRuntime } from './support/aws-runtime.ts';
import { type IamRequest, type IamStatement, isAllowed } from './support/iam-policy.ts';
import { motoMissing } from './support/moto.ts';

const MERGED_PR = readFileSync(
  new URL('../fixtures/github/pull_request.closed-merged.json', import.meta.url),
  'utf8',
);
const missing = motoMissing();
if (missing && process.env.CI) throw new Error(`the AWS contract suite must run in CI: ${missing}`);
if (missing) console.warn(`skipping the AWS contract suite: ${missing}`);

let rt: AwsRuntime;
beforeAll(async () => {
  if (missing) return;
  const { template } = synthSignoff({ bundle: false });
  rt = await startAwsRuntime({
    template: template.toJSON() as never,
    // The two-person gate times out quickly, for the timeout scenario; the others have time.
    approvalTimeoutSeconds: { 'signoff-critical-infra-two-person': 6 },
  });
}, 180_000);
afterAll(async () => {
  await rt?.stop();
});
// Every scenario's plan has changes to approve: the files an earlier scenario applied are gone
// (as if removed out of band). A plan with nothing to change would end "No changes", no gate.
beforeEach(() => {
  if (rt) rmSync(join(rt.dataDir, 'example-files'), { recursive: true, force: true });
});

async function auditActions(runId: string): Promise<string[]> {
  return (await rt.depsOf('admin').auditQuery.readRun(runId)).map((e) => e.action);
}

/** The value of the stack's secret whose name ends with `suffix`, as the admin reads it. */
async function secretValue(suffix: string): Promise<string> {
  const arn = [...rt.world.secrets].find(([name]) => name.endsWith(`/${suffix}`))?.[1];
  const out = await rt.depsOf('admin').clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  return out.SecretString ?? '';
}

/** The link to `prefix` in the newest email SES accepted for `to` (the request sends it just after storing the gate). */
async function emailedLink(to: string, prefix: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const mail = [...rt.gate.emails].reverse().find((m) => m.to.includes(to) && m.text.includes(prefix));
    if (mail) return linkIn(mail.text, prefix);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email to ${to} with ${prefix}`);
}

/** Stops a run's execution as someone in the Step Functions console would. */
async function stopInConsole(stateMachine: string, runId: string): Promise<void> {
  const machine = rt.world.stateMachines.get(stateMachine);
  const executionArn = `${machine?.arn.replace(':stateMachine:', ':execution:')}:${runId}`;
  await rt
    .depsOf('admin')
    .clients.sfn.send(new StopExecutionCommand({ executionArn, cause: 'stopped in the console' }));
}

/** Signs in through the emailed link, as a person would; returns the session cookie. */
async function signIn(email: string): Promise<string> {
  expect((await postForm(`${rt.url}/signin`, { email, next: '/runs' })).status).toBe(200);
  const confirm = await (await fetch(await emailedLink(email, `${rt.url}/signin/`))).text();
  const token = confirm.match(/name="token" value="([^"]+)"/)?.[1] ?? '';
  return cookieHeader(await postForm(`${rt.url}/signin`, { token, next: '/runs' }));
}

/**
 * The grants no recorded call needs: removing any other one denies a call above, which the
 * "without a grant" test reports. Not counted: log and trace writes and the download of the
 * build source, which Lambda and CodeBuild make themselves, not signoff's code, and the copy of
 * the build runner bundle from the CDK assets bucket (infra/fetch-runner.sh in CodeBuild's
 * install phase; the local build runner here bundles the same file itself). The build
 * projects' roles are made by one construct, so a grant counts as needed when some build needed it.
 */
function unneededGrants(runtime: AwsRuntime): string[] {
  const builds = new Set([...runtime.world.projects.values()].map((p) => p.role));
  const roles = new Set([...runtime.world.functions.values()].map((f) => f.role));
  const allows = (set: IamStatement[], call: Granted) =>
    call.anyOf.some((resource) =>
      isAllowed(set, { action: call.action, resource, context: call.context } as IamRequest),
    );
  const needed = (role: string, statement: IamStatement): boolean => {
    const statements = runtime.world.statements.get(role) ?? [];
    const without = statements.filter((s) => s !== statement);
    return runtime.gate.granted.some(
      (call) => call.role === role && allows(statements, call) && !allows(without, call),
    );
  };
  // Lambda's event source mapping reads the gates stream with the function's role, not the code
  // (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#events-dynamodb-permissions).
  const serviceSide = (statement: IamStatement) =>
    [statement.Action].flat().every((a) => /^(logs|xray):/.test(a)) ||
    [statement.Action]
      .flat()
      .every((a) => /^dynamodb:(ListStreams|DescribeStream|GetRecords|GetShardIterator)$/.test(a)) ||
    [statement.Resource].flat().every((r) => /^arn:aws:s3:::cdk-[a-z0-9]+-assets-/.test(r));
  const out: string[] = [];
  const describe = (role: string, s: IamStatement) =>
    `${role}: ${[s.Action].flat().join(',')} on ${[s.Resource].flat().join(',')}`;
  for (const role of roles) {
    for (const s of runtime.world.statements.get(role) ?? []) {
      if (!serviceSide(s) && !needed(role, s)) out.push(describe(role, s));
    }
  }
  const shape = (s: IamStatement) => JSON.stringify([s.Action, s.Resource, s.Condition]);
  const neededByABuild = new Set(
    [...builds].flatMap((role) =>
      (runtime.world.statements.get(role) ?? []).filter((s) => needed(role, s)).map(shape),
    ),
  );
  for (const role of builds) {
    for (const s of runtime.world.statements.get(role) ?? []) {
      if (!serviceSide(s) && !neededByABuild.has(shape(s))) out.push(describe(role, s));
    }
  }
  return out;
}

describe.skipIf(Boolean(missing))('signoff deployed into moto, each function with its own grants', () => {
  // The first scenario also loads every function's code for the first time.
  it('plans, approves through the API, applies and notifies', { timeout: 90_000 }, async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const ok = await rt.vote('alice@acme.com', gateId, 'approve', 'looks good');
    expect(ok.body).toMatchObject({ kind: 'counted', status: 'approved' });
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    // The apply's summarize task asked for drift.json, which a clean apply never writes: with
    // s3:ListBucket that is a 404, and the run records `applied`.
    expect(await auditActions(run.id)).toEqual([
      'run_started',
      'lock_acquired',
      'requested',
      'approved',
      'applied',
      'notified',
      'lock_released',
      'run_finished',
    ]);
    expect(rt.dev.notifications[0]?.body).toContain('production-deploy-with-approval Succeeded');
  });

  it('an admin’s ad-hoc freeze holds an approved apply until the admin ends it', {
    timeout: 90_000,
  }, async () => {
    const started = await rt.api('alice@acme.com', 'POST', '/api/freezes', {
      reason: 'incident 4711',
      environments: ['production'],
    });
    expect(started.status).toBe(201);
    const id = started.body.freeze.id as string;
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    await rt.vote('alice@acme.com', gateId, 'approve');
    const frozen = await rt.waitFor('jane@acme.com', run.id, (v) => v.outcome === 'Frozen');
    expect(frozen.frozen?.freezes).toEqual([{ name: id, reason: 'incident 4711' }]);
    expect((await rt.api('alice@acme.com', 'POST', `/api/freezes/${id}/end`, {})).status).toBe(200);
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(await auditActions(run.id)).toEqual([
      'run_started',
      'lock_acquired',
      'requested',
      'approved',
      'apply_frozen',
      'applied',
      'notified',
      'lock_released',
      'run_finished',
    ]);
  });

  it('summarize-step records the commit a branch run’s first build resolved, with its own grant', async () => {
    // A run started from a branch in AWS learns its commit from its first build (CodeBuild's
    // resolvedSourceVersion); summarize-step pins it on the run. Its role once held no grant on
    // the runs table, so in a repository-source deployment every such run failed at its plan.
    const admin = rt.depsOf('admin');
    const run = {
      id: `branch-run-${Date.now()}`,
      workflow: 'staging-deploy',
      environment: 'staging',
      production: false,
      trigger: { type: 'manual' as const },
      started_by: { email: 'jane@acme.com', name: 'Jane' },
      started_at: new Date().toISOString(),
      source: {
        type: 'repository' as const,
        repository: 'acme/infrastructure',
        ref: 'main',
        checkout: 'main',
      },
      execution_arn: 'arn:aws:states:us-east-1:123456789012:execution:signoff-staging-deploy:branch-run',
      status: 'RUNNING' as const,
    };
    expect(await admin.runs.create(run)).toBe(true);
    const sha = 'a'.repeat(40);
    await rt.depsOf('signoff-summarize-step').runs.pinCommit(run.id, sha);
    expect((await admin.runs.get(run.id))?.source).toMatchObject({ type: 'repository', commit: sha });
  });

  it('approves from the emailed link: the page shows the plan, its POST decides', {
    timeout: 90_000,
  }, async () => {
    const run = await rt.startRun('sam@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('sam@acme.com', run.id, 'approve');
    const link = await emailedLink('bob@acme.com', `${rt.url}/approvals/${gateId}?t=`);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    // The policy results come from policy.json in the artifacts bucket, read with the web function's grant.
    expect(await page.text()).toContain('All 5 checks passed');
    const t = new URL(link).searchParams.get('t') ?? '';
    const posted = await postForm(`${rt.url}/approvals/${gateId}`, { t, decision: 'approve' });
    expect(await posted.text()).toContain('The gate has the approvals it needs (1 of 1)');
    const done = await rt.waitFor('sam@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
  });

  it('approves from Slack and from the run page of a signed-in approver (two-person rule)', {
    timeout: 120_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'critical-infra-two-person');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    // Dave signs in with the emailed link and approves on the run page.
    const cookie = await signIn('dave@acme.com');
    const runPage = await (await fetch(`${rt.url}/runs/${run.id}`, { headers: { cookie } })).text();
    const csrf = runPage.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
    const voted = await postForm(
      `${rt.url}/runs/${run.id}`,
      { gate: gateId, decision: 'approve', csrf },
      cookie,
    );
    expect(voted.status).toBe(200);
    expect(await voted.text()).toContain('Your approval is counted.');

    const message = rt.slack.messages.find((m) => JSON.stringify(m.blocks).includes(gateId));
    if (!message) throw new Error('no Slack message for the gate');
    const carol = { email: 'carol@acme.com' };
    const click = signedInteraction(
      SLACK_SIGNING_SECRET,
      blockActionsPayload({
        userId: localSlackId(carol),
        actionId: SLACK_ACTION.approve,
        value: gateId,
        channel: message.channel,
        messageTs: message.ts,
      }),
    );
    const slack = await fetch(`${rt.url}/slack/interactions`, {
      method: 'POST',
      headers: click.headers,
      body: click.body,
    });
    expect(slack.status).toBe(200);
    // Carol's click is the second approval: the Slack function closes the gate and tells Step Functions.

    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    const gate = done.gates.find((g) => g.gate.gate_id === gateId)?.gate;
    expect(gate?.approved_by.map((a) => [a.email, a.channel])).toEqual([
      ['dave@acme.com', 'web'],
      ['carol@acme.com', 'slack'],
    ]);
  });

  it('a rejection cancels the run and the failure is notified', { timeout: 90_000 }, async () => {
    const run = await rt.startRun('sam@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('sam@acme.com', run.id, 'approve');
    await rt.vote('bob@acme.com', gateId, 'reject', 'not during the freeze');
    const done = await rt.waitFor('sam@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(await auditActions(run.id)).toEqual([
      'run_started',
      'lock_acquired',
      'requested',
      'rejected',
      'notified',
      'lock_released',
      'run_finished',
    ]);
  });

  it('the timeout closes the gate as timed out and cancels the run', { timeout: 90_000 }, async () => {
    const run = await rt.startRun('sam@acme.com', 'critical-infra-two-person');
    await rt.pendingGate('sam@acme.com', run.id, 'approve');
    const done = await rt.waitFor('sam@acme.com', run.id, () => false, 60_000);
    expect(done.run.status).toBe('FAILED');
    expect(done.gates[0]?.gate.status).toBe('timed_out');
    expect(await auditActions(run.id)).toContain('timed_out');
  });

  it('escalates through the EventBridge schedule the gate created, then finance approves', {
    timeout: 120_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-escalation');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    // Olivia (SRE managers) is not an approver until the escalation.
    expect((await rt.vote('olivia@acme.com', gateId, 'approve')).status).toBe(403);
    const { scheduler } = rt.depsOf('admin').clients;
    const group = rt.world.functions.get('signoff-request-approval')?.env.SIGNOFF_SCHEDULE_GROUP;
    const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: group }));
    const name = listed.Schedules?.find((s) => s.Name?.includes(gateId))?.Name;
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    expect(schedule.Target?.Arn).toBe(rt.world.functions.get('signoff-escalate')?.arn);
    // What EventBridge Scheduler does when the hour is up: invoke the target with its input.
    await rt.invoke('signoff-escalate', JSON.parse(schedule.Target?.Input ?? '{}'));
    expect((await rt.vote('olivia@acme.com', gateId, 'approve')).body).toMatchObject({ status: 'approved' });
    const finance = await rt.pendingGate('jane@acme.com', run.id, 'finance_approval');
    await rt.vote('fiona@acme.com', finance, 'approve', 'budgeted');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(await auditActions(run.id)).toContain('escalated');
  });

  it('blocks the apply when the infrastructure changed after approval (PlanDrift)', {
    timeout: 120_000,
  }, async () => {
    const first = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    await rt.vote('alice@acme.com', await rt.pendingGate('jane@acme.com', first.id, 'approve'), 'approve');
    expect((await rt.waitFor('jane@acme.com', first.id, () => false)).run.status).toBe('SUCCEEDED');
    // One applied file is gone, so the second plan has a change to approve.
    rmSync(join(rt.dataDir, 'example-files', 'site', 'public', 'robots.txt'), { force: true });
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(rt.dataDir, 'example-files', 'site', 'public', 'index.html'), 'changed out of band\n');
    await rt.vote('alice@acme.com', gateId, 'approve');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'PlanDrift' });
    expect(await auditActions(run.id)).toContain('plan_drift_blocked');
  });

  it('starts runs from a signed GitHub merge, once per delivery', { timeout: 120_000 }, async () => {
    const payload = JSON.parse(MERGED_PR);
    payload.repository.full_name = 'acme/infrastructure';
    payload.pull_request.base.ref = 'main';
    const body = JSON.stringify(payload);
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': signBody(body, await secretValue('github-webhook-secret')),
    };
    const first = await fetch(`${rt.url}/webhooks/github`, { method: 'POST', headers, body });
    expect(first.status).toBe(202);
    const started = ((await first.json()) as { started: { workflow: string; run_id: string }[] }).started;
    expect(started.map((s) => s.workflow)).toContain('production-deploy-with-approval');
    // GitHub redelivers: the same delivery finds the runs it started and starts nothing.
    const again = await fetch(`${rt.url}/webhooks/github`, { method: 'POST', headers, body });
    expect(((await again.json()) as { duplicate: unknown[] }).duplicate).toHaveLength(started.length);
    for (const { run_id } of started) {
      const gateId = await rt.pendingGate('alice@acme.com', run_id, 'approve');
      await rt.vote('alice@acme.com', gateId, 'reject', 'not from this test');
      expect((await rt.waitFor('alice@acme.com', run_id, () => false)).run.status).toBe('FAILED');
    }
  });

  it('runs the ungated staging workflow from a signed generic webhook, once per Idempotency-Key', {
    timeout: 90_000,
  }, async () => {
    const body = '{"reason":"nightly"}';
    const headers = {
      'content-type': 'application/json',
      'idempotency-key': 'nightly-2026-12-02',
      'x-signoff-signature': signBody(body, await secretValue('webhook-staging-deploy')),
    };
    const first = await fetch(`${rt.url}/webhooks/staging-deploy`, { method: 'POST', headers, body });
    expect(first.status).toBe(202);
    const runId = ((await first.json()) as { run_id: string }).run_id;
    const again = await fetch(`${rt.url}/webhooks/staging-deploy`, { method: 'POST', headers, body });
    expect(again.status).toBe(200);
    expect((await rt.waitFor('alice@acme.com', runId, () => false)).run.status).toBe('SUCCEEDED');
  });

  it('a run stopped by hand cancels its pending gate before its end is audited', {
    timeout: 90_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    await stopInConsole('signoff-production-deploy-with-approval', run.id);
    // EventBridge delivers the status change to run-ended, which closes the gate, then records the end.
    await rt.waitFor('jane@acme.com', run.id, () => false);
    expect((await rt.depsOf('admin').gates.get(gateId))?.status).toBe('cancelled');
    expect(await auditActions(run.id)).toEqual([
      'run_started',
      'lock_acquired',
      'requested',
      'lock_released',
      'gate_cancelled',
      'run_finished',
    ]);
  });

  it('the API closes the gate of a run stopped by hand whose end event was lost when someone reads the run', {
    timeout: 90_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    rt.lostRunEnds.add(run.id);
    await stopInConsole('signoff-production-deploy-with-approval', run.id);
    // The run view asks Step Functions, records the end, cancels the gate and updates its Slack message.
    const read = await rt.api('jane@acme.com', 'GET', `/api/runs/${run.id}`);
    expect(read.body.run.status).toBe('ABORTED');
    expect((await rt.depsOf('admin').gates.get(gateId))?.status).toBe('cancelled');
    // The web's audit page reads the trail the API's run view just completed.
    const page = await fetch(`${rt.url}/audit?run=${encodeURIComponent(run.id)}&format=csv`, {
      headers: { cookie: await signIn('jane@acme.com') },
    });
    expect(page.status).toBe(200);
    const csv = await page.text();
    expect(csv).toContain('gate_cancelled');
    expect(csv).toContain('run_finished');
  });

  it('the scheduled sweep closes the gate of a run stopped by hand whose end event was lost', {
    timeout: 90_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    rt.lostRunEnds.add(run.id);
    await stopInConsole('signoff-production-deploy-with-approval', run.id);
    // EventBridge Scheduler's sweep: the resume-gate function with no gate id asks Step Functions.
    await rt.invoke('signoff-resume-gate', {});
    expect((await rt.depsOf('admin').runs.get(run.id))?.status).toBe('ABORTED');
    const gate = await rt.depsOf('admin').gates.get(gateId);
    expect(gate?.status).toBe('cancelled');
    expect(await auditActions(run.id)).toEqual([
      'run_started',
      'lock_acquired',
      'requested',
      'lock_released',
      'gate_cancelled',
      'run_finished',
    ]);
  });

  it('counts a vote while Step Functions throttles, stops calling it, and the sweep tells it once the throttling stops', {
    timeout: 90_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const heal = rt.gate.inject({
      action: 'states:SendTaskSuccess',
      status: 400,
      code: 'ThrottlingException',
    });
    // The vote's answer waits for its commit only: the throttled engine call is the drainer's.
    const vote = await rt.vote('alice@acme.com', gateId, 'approve');
    expect(vote).toMatchObject({ status: 200, body: { kind: 'counted', status: 'approved' } });
    const tries = () => rt.gate.granted.filter((g) => g.action === 'states:SendTaskSuccess').length;
    // The gates stream hands the gate to resume-gate, whose drain tries the engine a few times
    // (each try with the SDK's own retries of a throttled call), and Lambda retries the record.
    while (tries() < DRAIN_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 250));
    await rt.streamSettled();
    const seen = tries();
    // Then nothing writes the gate (its lease stays until it runs out), so the stream delivers it
    // no more and the throttled engine is not called in a loop: 8 polls of the stream later, the
    // count stands.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(tries()).toBe(seen);
    expect((await rt.api('jane@acme.com', 'GET', `/api/runs/${run.id}`)).body.run.status).toBe('RUNNING');
    heal();
    // The 5-minute sweep, once the lease has run out, tells the engine.
    rt.setClockOffset(ENGINE_CALL_LEASE_MS + 1000);
    await rt.invoke('signoff-resume-gate', {});
    rt.setClockOffset(0);
    expect((await rt.waitFor('jane@acme.com', run.id, () => false)).run.status).toBe('SUCCEEDED');

    // Step Functions retries the gate's request after the gate closed: the engine is told again
    // (by the retried request itself; the gates stream, held, lags behind it), and nobody is
    // asked twice.
    const request = rt.invocations.find(
      (i) => i.functionName === 'signoff-request-approval' && JSON.stringify(i.event).includes(run.id),
    );
    const emails = rt.gate.emails.length;
    const toldBy = () =>
      rt.gate.granted.filter((g) => g.action === 'states:SendTaskSuccess' && /requestapproval/i.test(g.role));
    const told = toldBy().length;
    const release = rt.holdStream();
    try {
      await rt.invoke('signoff-request-approval', request?.event);
    } finally {
      release();
    }
    expect(toldBy()).toHaveLength(told + 1);
    expect(rt.gate.emails.length).toBe(emails);
    expect((await rt.depsOf('admin').gates.get(gateId))?.status).toBe('approved');
  });

  it('an apply whose approved plan expired from the bucket fails with that reason', {
    timeout: 90_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const { s3 } = rt.depsOf('admin').clients;
    const bucket = rt.world.functions.get('signoff-web')?.env.SIGNOFF_ARTIFACTS_BUCKET;
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `runs/${run.id}/plan/plan.json` }));
    await rt.vote('alice@acme.com', gateId, 'approve');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'ApplyFailed' });
    expect(done.run.cause).toContain('has no runs/');
  });

  it('shows the run page of a run whose plan never wrote its summary (S3 throttled the upload)', {
    timeout: 90_000,
  }, async () => {
    const heal = rt.gate.inject({
      action: 's3:PutObject',
      resource: /summary\.json$/,
      status: 503,
      code: 'SlowDown',
    });
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    heal();
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'PlanFailed' });
    const page = await fetch(`${rt.url}/runs/${run.id}`, {
      headers: { cookie: await signIn('bob@acme.com') },
    });
    expect(page.status).toBe(200);
    // The outcome in words, never the engine's error name.
    const text = await page.text();
    expect(text).toContain('Plan failed');
    expect(text).not.toContain('PlanFailed');
  });

  it('writes each audit checkpoint to the Object Lock bucket in compliance mode, and verify finds an erased run from it', {
    timeout: 120_000,
  }, async () => {
    const run = await rt.startRun('sam@acme.com', 'production-deploy-with-approval');
    await rt.vote(
      'bob@acme.com',
      await rt.pendingGate('sam@acme.com', run.id, 'approve'),
      'reject',
      'not now',
    );
    await rt.waitFor('sam@acme.com', run.id, () => false);
    // What the EventBridge schedule does every few minutes.
    const outcome = (await rt.invoke('signoff-audit-checkpoint', {})) as { written: number[] };
    expect(outcome.written.length).toBeGreaterThan(0);
    const newest = outcome.written.at(-1) as number;
    const bucket = rt.world.functions.get('signoff-audit-checkpoint')?.env.SIGNOFF_AUDIT_ARCHIVE_BUCKET;
    const key = checkpointKey(newest);
    const { s3, doc } = rt.depsOf('admin').clients;
    // HeadObject shows the retention (moto's GetObjectRetention answer does not parse in the SDK).
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    const days = ((head.ObjectLockRetainUntilDate?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThanOrEqual(365);
    // Not even the account's administrator can remove the locked version before then.
    // The listing's prefix has no slash: moto 5.2 rejects the signature of one that has (see the archive adapter).
    const listed = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: CHECKPOINTS_LIST_PREFIX }),
    );
    const Versions = listed.Versions?.filter((v) => v.Key === key);
    await expect(
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: Versions?.[0]?.VersionId })),
    ).rejects.toThrow();
    const intact = await rt.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
    expect(intact.body).toMatchObject({ ok: true, checkpoints: { ok: true, archive: true } });

    // Someone with write access to the tables removes every item of the run, its run record,
    // and the checkpoints in the table: the locked copies still name the run and its events.
    const tables = rt.world.functions.get('signoff-api')?.env ?? {};
    for (const [partition, table] of [
      [run.id, tables.SIGNOFF_AUDIT_TABLE],
      ['#checkpoints', tables.SIGNOFF_AUDIT_TABLE],
    ] as const) {
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'run_id = :r',
          ExpressionAttributeValues: { ':r': partition },
        }),
      );
      for (const item of Items ?? [])
        await doc.send(new DeleteCommand({ TableName: table, Key: { run_id: partition, seq: item.seq } }));
    }
    await doc.send(new DeleteCommand({ TableName: tables.SIGNOFF_RUNS_TABLE, Key: { run_id: run.id } }));
    const erased = await rt.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
    expect(erased.status).toBe(200);
    expect(erased.body.ok).toBe(false);
    expect(erased.body.runs[0].problems[0]).toMatchObject({
      seq: 1,
      kind: 'missing',
      message: expect.stringContaining('the run record and every audit event of the run were removed'),
    });
    expect(erased.body.checkpoints.problems).toContainEqual(
      expect.objectContaining({ seq: newest, message: expect.stringContaining('its locked copy remains') }),
    );
  });

  it('a drift check that found drift records it and starts its fix-up run with run-ended’s own grant', {
    timeout: 90_000,
  }, async () => {
    // The payload Step Functions passes the task after production-drift-check's `check` step.
    const run = {
      id: `drift-check-${Date.now()}`,
      workflow: 'production-drift-check',
      environment: 'production',
      production: true,
      trigger: {
        type: 'schedule' as const,
        slot: new Date().toISOString(),
        cron: '0 */4 * * *',
        timezone: 'UTC',
      },
      started_by: null,
      started_at: new Date().toISOString(),
    };
    const check = {
      step_id: 'check',
      project: 'example-site',
      status: 'drifted' as const,
      drifted: 1,
      changed_outside: 1,
      planned: 1,
      resources: [
        { address: 'index.html', changed_outside: true, planned: 'update' as const, attributes: ['content'] },
      ],
      resources_truncated: false,
      artifact: `runs/${run.id}/check/drift-check.json`,
    };
    const fixUp = (await rt.invoke('signoff-run-ended', {
      kind: 'record_drift_check',
      run,
      step_id: 'check',
      project: 'example-site',
      fix_with: 'production-deploy-with-approval',
      data: { steps: {}, drift: { status: 'drifted', checks: [check] } },
    })) as { workflow: string; run_id: string; outcome: string };
    expect(fixUp).toMatchObject({ workflow: 'production-deploy-with-approval', outcome: 'started' });
    // The fix-up goes through its workflow's own gate; rejecting it ends it (and frees the lock).
    const gateId = await rt.pendingGate('jane@acme.com', fixUp.run_id, 'approve');
    await rt.vote('alice@acme.com', gateId, 'reject', 'looked into it by hand');
    expect((await rt.waitFor('jane@acme.com', fixUp.run_id, () => false)).run.status).toBe('FAILED');
    expect(await auditActions(run.id)).toEqual(['drift_checked']);
  });

  it('no function called AWS without a grant', () => {
    expect(rt.gate.denials).toEqual([]);
  });

  it('every grant a function or build role holds is needed by a call above', () => {
    expect(unneededGrants(rt)).toEqual([]);
  });
});

/**
 * End-to-end runs of signoff as its synthesized template deploys it, with moto as the account
 * and every function holding exactly its role's grants (support/aws-runtime.ts). Any call a
 * function makes without a grant is refused as AWS would refuse it, and shows in `denials`.
 */
import { GetScheduleCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_ACTION } from '../../functions/core/slack/slack-actions.ts';
import { localSlackId } from '../../local/slack/local-slack.ts';
import { blockActionsPayload, signedInteraction } from '../../local/slack/slack-click.ts';
import { synthSignoff } from '../infra/synth.ts';
import { cookieHeader, linkIn, postForm } from '../integration/web/web-harness.ts';
import type { Granted } from './support/aws-gate.ts';
import { type AwsRuntime, SLACK_SIGNING_SECRET, startAwsRuntime } from './support/aws-runtime.ts';
import { type IamRequest, type IamStatement, isAllowed } from './support/iam-policy.ts';
import { motoMissing } from './support/moto.ts';

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

async function auditActions(runId: string): Promise<string[]> {
  return (await rt.depsOf('admin').auditQuery.readRun(runId)).map((e) => e.action);
}

/** The email SES accepted for `to` that links to `prefix`, as the link in it. */
function emailedLink(to: string, prefix: string): string {
  const mail = [...rt.gate.emails].reverse().find((m) => m.to.includes(to) && m.text.includes(prefix));
  if (!mail) throw new Error(`no email to ${to} with ${prefix}`);
  return linkIn(mail.text, prefix);
}

/**
 * The statements no recorded call needs: removing any other one denies a call above, which the
 * "without a grant" test reports. Log and trace writes are made by Lambda and CodeBuild
 * themselves, not by signoff's code, so they are not counted.
 */
function unneededGrants(runtime: AwsRuntime): string[] {
  const roles = new Set(
    [...runtime.world.functions.values(), ...runtime.world.projects.values()].map((x) => x.role),
  );
  const out: string[] = [];
  for (const role of roles) {
    const statements = runtime.world.statements.get(role) ?? [];
    const calls = runtime.gate.granted.filter((g) => g.role === role);
    const allows = (set: IamStatement[], call: Granted) =>
      call.anyOf.some((resource) =>
        isAllowed(set, { action: call.action, resource, context: call.context } as IamRequest),
      );
    statements.forEach((statement, i) => {
      const actions = [statement.Action].flat();
      if (actions.every((a) => /^(logs|xray):/.test(a))) return;
      const without = statements.filter((_, j) => j !== i);
      if (!calls.some((call) => allows(statements, call) && !allows(without, call))) {
        out.push(`${role}: ${actions.join(',')} on ${[statement.Resource].flat().join(',')}`);
      }
    });
  }
  return out;
}

describe.skipIf(Boolean(missing))('signoff deployed into moto, each function with its own grants', () => {
  it('plans, approves through the API, applies and notifies', async () => {
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
      'requested',
      'approved',
      'applied',
      'notified',
      'run_finished',
    ]);
    expect(rt.dev.notifications[0]?.body).toContain('production-deploy-with-approval succeeded');
  });

  it('approves from the emailed link: the page shows the plan, its POST decides', async () => {
    const run = await rt.startRun('sam@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('sam@acme.com', run.id, 'approve');
    const link = emailedLink('bob@acme.com', `${rt.url}/approvals/${gateId}?t=`);
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

    // Dave signs in with the emailed link and approves on the run page.
    expect((await postForm(`${rt.url}/signin`, { email: 'dave@acme.com', next: '/runs' })).status).toBe(200);
    const confirm = await (await fetch(emailedLink('dave@acme.com', `${rt.url}/signin/`))).text();
    const token = confirm.match(/name="token" value="([^"]+)"/)?.[1] ?? '';
    const cookie = cookieHeader(await postForm(`${rt.url}/signin`, { token, next: '/runs' }));
    const runPage = await (await fetch(`${rt.url}/runs/${run.id}`, { headers: { cookie } })).text();
    const csrf = runPage.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
    const voted = await postForm(
      `${rt.url}/runs/${run.id}`,
      { gate: gateId, decision: 'approve', csrf },
      cookie,
    );
    expect(voted.status).toBe(200);
    expect(await voted.text()).toContain('The gate has the approvals it needs (2 of 2)');

    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    const gate = done.gates.find((g) => g.gate.gate_id === gateId)?.gate;
    expect(gate?.approved_by.map((a) => [a.email, a.channel])).toEqual([
      ['carol@acme.com', 'slack'],
      ['dave@acme.com', 'web'],
    ]);
  });

  it('a rejection cancels the run and the failure is notified', async () => {
    const run = await rt.startRun('sam@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('sam@acme.com', run.id, 'approve');
    await rt.vote('bob@acme.com', gateId, 'reject', 'not during the freeze');
    const done = await rt.waitFor('sam@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(await auditActions(run.id)).toEqual([
      'run_started',
      'requested',
      'rejected',
      'notified',
      'run_finished',
    ]);
  });

  it('the timeout closes the gate as timed out and cancels the run', async () => {
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
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    writeFileSync(join(rt.dataDir, 'example-files', 'site', 'public', 'index.html'), 'changed out of band\n');
    await rt.vote('alice@acme.com', gateId, 'approve');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'PlanDrift' });
    expect(await auditActions(run.id)).toContain('plan_drift_blocked');
  });

  it('no function called AWS without a grant', () => {
    expect(rt.gate.denials).toEqual([]);
  });

  it('every grant a function or build role holds is needed by a call above', () => {
    expect(unneededGrants(rt)).toEqual([]);
  });
});

/**
 * The scheduled drift check, end to end on the local runtime: the example workflow's schedule
 * starts a check of the production site; a file changed behind the tool's back is reported,
 * notified, recorded as the project's status, and a fix-up run of the deploy workflow waits at
 * its gate.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../../functions/core/auth/sessions.ts';
import { startScheduledRun } from '../../../functions/core/triggers/start-scheduled-run.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

const CHECK = 'production-drift-check';
const DEPLOY = 'production-deploy-with-approval';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

/** Starts the check's run of one schedule slot, as EventBridge Scheduler (or the local timer) would. */
async function scheduledCheck(slot: string) {
  const outcome = await startScheduledRun(rt.deps, {
    kind: 'scheduled_start',
    workflow: CHECK,
    scheduled_time: slot,
  });
  if (outcome.kind !== 'started') throw new Error(`scheduled run not started: ${JSON.stringify(outcome)}`);
  return rt.waitFor('alice@acme.com', outcome.run.id, () => false, 120_000);
}

async function notifications(): Promise<{ body: string }[]> {
  return (await fetch(`${rt.url}/dev/notifications?format=json`)).json() as Promise<{ body: string }[]>;
}

async function page(path: string): Promise<{ status: number; text: string }> {
  const alice = rt.deps.directory.users.find((u) => u.email === 'alice@acme.com');
  if (!alice) throw new Error('no alice in the directory');
  const session = await createSession(rt.deps, alice);
  const response = await fetch(`${rt.url}${path}`, { headers: { cookie: `signoff_session=${session.id}` } });
  return { status: response.status, text: await response.text() };
}

describe('a scheduled drift check on the local runtime', () => {
  it('finds the site in sync after a deploy, then reports, notifies and fixes a file changed behind its back', async () => {
    // Deploy the site through its gate, so the state matches the code.
    const deploy = await rt.startRun('jane@acme.com', DEPLOY);
    const gate = await rt.pendingGate('jane@acme.com', deploy.id, 'approve');
    expect((await rt.vote('alice@acme.com', gate, 'approve')).status).toBe(200);
    expect((await rt.waitFor('jane@acme.com', deploy.id, () => false, 120_000)).run.status).toBe('SUCCEEDED');

    const clean = await scheduledCheck('2026-03-02T08:00:00Z');
    expect(clean.run).toMatchObject({
      status: 'SUCCEEDED',
      started_by: { email: 'system:schedule' },
      trigger: { type: 'schedule', slot: '2026-03-02T08:00:00.000Z' },
    });
    const sent = (await notifications()).length;
    expect((await rt.deps.driftChecks.history('example-site', 5)).map((c) => c.status)).toEqual(['in_sync']);

    // Behind the tool's back: someone edits the deployed page on the server.
    const index = join(rt.dataDir, 'example-files/site/public/index.html');
    writeFileSync(index, `${readFileSync(index, 'utf8')}<p>hotfixed by hand</p>\n`);

    const drifted = await scheduledCheck('2026-03-02T12:00:00Z');
    expect(drifted.run.status).toBe('SUCCEEDED');
    const checks = await rt.deps.driftChecks.history('example-site', 5);
    expect(checks.map((c) => c.status)).toEqual(['drifted', 'in_sync']);
    const [latest] = checks;
    expect(latest).toMatchObject({
      run_id: drifted.run.id,
      workflow: CHECK,
      drifted: 1,
      changed_outside: 1,
      resources: [
        {
          address: 'local_file.index',
          changed_outside: true,
          planned: 'update',
          attributes: ['content', 'content_sha256'],
        },
      ],
      fix_up: { workflow: DEPLOY, outcome: 'started' },
    });

    // The channel hears of it, resource by resource; the clean check sent nothing.
    const posted = await notifications();
    expect(posted).toHaveLength(sent + 1);
    const message = JSON.parse(posted[0]?.body ?? '{}') as { text: string };
    expect(message.text).toContain('example-site has drifted from its code: 1 resource(s) differ.');
    expect(message.text).toContain(
      '- local_file.index: changed outside the tool; the plan would update it (content, content_sha256)',
    );

    // The fix-up run goes through the deploy workflow's own gate: nothing is applied before a vote.
    const fixUpId = latest?.fix_up?.run_id as string;
    expect(message.text).toContain(`Fix-up run: ${DEPLOY} ${fixUpId}`);
    await rt.pendingGate('alice@acme.com', fixUpId, 'approve');
    const fixUp = await rt.waitFor('alice@acme.com', fixUpId, () => true);
    expect(fixUp.run).toMatchObject({
      status: 'RUNNING',
      started_by: { email: 'system:drift-check' },
      trigger: { type: 'fix_up', run_id: drifted.run.id, step_id: 'check', project: 'example-site' },
    });
    expect(readFileSync(index, 'utf8')).toContain('hotfixed by hand');

    // The run's data carries the verdict, small; the audit trail says what was found.
    const { body: audit } = await rt.api(
      'alice@acme.com',
      'GET',
      `/api/audit?run=${drifted.run.id}&limit=100`,
    );
    const event = (audit.events as { action: string; details?: Record<string, unknown> }[]).find(
      (e) => e.action === 'drift_checked',
    );
    expect(event?.details).toMatchObject({
      project: 'example-site',
      status: 'drifted',
      addresses: ['local_file.index'],
      fix_up: { run_id: fixUpId },
    });

    // The runs list shows the project's status; its page the history, newest first.
    const runs = await page('/runs?tab=all');
    expect(runs.status).toBe(200);
    expect(runs.text).toContain('href="/projects/example-site"');
    expect(runs.text).toContain('Drifted (1)');
    const project = await page('/projects/example-site');
    expect(project.status).toBe(200);
    expect(project.text.indexOf('Drifted (1)')).toBeLessThan(project.text.indexOf('In sync'));
    expect(project.text).toContain('local_file.index: changed outside the tool');
    expect((await page('/projects/nowhere')).status).toBe(404);
  }, 300_000);

  it('starts one fix-up per check: the same slot delivered again starts nothing', async () => {
    const again = await startScheduledRun(rt.deps, {
      kind: 'scheduled_start',
      workflow: CHECK,
      scheduled_time: '2026-03-02T12:00:30Z',
    });
    expect(again.kind).toBe('duplicate');
    const drift = (await rt.deps.driftChecks.history('example-site', 5)).filter(
      (c) => c.status === 'drifted',
    );
    expect(drift).toHaveLength(1);
    const fixUps = (await rt.deps.runs.list({ workflow: DEPLOY })).runs.filter(
      (r) => r.trigger.type === 'fix_up',
    );
    expect(fixUps).toHaveLength(1);
  });
});

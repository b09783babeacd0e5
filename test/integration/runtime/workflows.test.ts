import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditVerifyCommand } from '../../../cli/run-commands.ts';
import { writeAuditCheckpoint } from '../../../functions/core/audit/write-audit-checkpoint.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime({ approvalTimeoutSeconds: 20 });
});
afterAll(async () => {
  await rt?.stop();
});

async function auditOf(runId: string) {
  const { body } = await rt.api('alice@acme.com', 'GET', `/api/audit?run=${runId}&limit=100`);
  return (
    body.events as {
      action: string;
      actor: { email: string };
      comment?: string;
      reason?: string;
      response_time_ms?: number;
    }[]
  ).reverse();
}

/**
 * Removes files an earlier test applied in the example `workspace` (as someone deleting them out
 * of band would), so the next plan of it has changes and its gate opens: a plan with nothing to
 * change ends the run "No changes" without a gate.
 */
function removeApplied(workspace: string, path = '') {
  rmSync(join(rt.dataDir, 'example-files', workspace, path), { recursive: true, force: true });
}

describe('production-deploy-with-approval on the local runtime', () => {
  it('approve path: plans, waits, a platform lead approves, applies the approved plan, notifies', async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');

    const self = await rt.vote('jane@acme.com', gateId, 'approve');
    expect(self.status).toBe(403);
    const ok = await rt.vote('alice@acme.com', gateId, 'approve', 'looks good');
    expect(ok.body).toMatchObject({ kind: 'counted', status: 'approved', approvals: 1, required: 1 });

    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(done.steps.map((s) => [s.id, s.status])).toEqual([
      ['plan', 'succeeded'],
      ['approve', 'succeeded'],
      ['apply', 'succeeded'],
      ['notify', 'succeeded'],
    ]);
    // The example project really applied: its managed file exists.
    expect(existsSync(join(rt.dataDir, 'example-files', 'site', 'public', 'index.html'))).toBe(true);
    expect(rt.dev.notifications[0]?.body).toContain('production-deploy-with-approval Succeeded');
    expect(rt.dev.notifications[0]?.body).toContain('Approved by Alice Moreau.');

    const actions = (await auditOf(run.id)).map((e) => e.action);
    expect(actions).toEqual([
      'run_started',
      'lock_acquired',
      'requested',
      'refused',
      'approved',
      'applied',
      'notified',
      'lock_released',
      'run_finished',
    ]);
    const approved = (await auditOf(run.id)).find((e) => e.action === 'approved');
    expect(approved).toMatchObject({ actor: { email: 'alice@acme.com' }, comment: 'looks good' });
    expect(approved?.response_time_ms).toBeGreaterThanOrEqual(0);
    const verify = await rt.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
    expect(verify.body.ok).toBe(true);
  });

  it('a second run with nothing to change ends No changes: no gate, no apply, the skip audited, notified', async () => {
    // The approve path applied the site; nothing changed since, so this plan has no changes.
    const before = rt.dev.notifications.length;
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval', 'nothing changed');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'SUCCEEDED', no_changes: true });
    expect(done.gates).toEqual([]);
    expect(done.steps.map((s) => [s.id, s.status])).toEqual([
      ['plan', 'succeeded'],
      ['approve', 'skipped'],
      ['apply', 'skipped'],
      ['notify', 'succeeded'],
    ]);
    expect(await rt.deps.gates.listByRun(run.id)).toEqual([]);
    const events = await auditOf(run.id);
    expect(events.map((e) => e.action)).toEqual([
      'run_started',
      'lock_acquired',
      'gate_skipped',
      'notified',
      'lock_released',
      'run_finished',
    ]);
    expect(events.find((e) => e.action === 'gate_skipped')).toMatchObject({
      actor: { email: 'system:engine' },
      reason: 'the plan has no changes, so approve was not opened and nothing was applied',
    });
    // The sink keeps the newest first.
    const sent = rt.dev.notifications.slice(0, rt.dev.notifications.length - before);
    expect(sent.map((n) => n.body)).toEqual([
      expect.stringContaining('production-deploy-with-approval No changes (run '),
    ]);
  });

  it('reject path: one rejection cancels the run and the failure is still notified', async () => {
    removeApplied('site');
    const run = await rt.startRun('sam@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('sam@acme.com', run.id, 'approve');
    const rejected = await rt.vote('bob@acme.com', gateId, 'reject', 'not during the freeze');
    expect(rejected.body).toMatchObject({ kind: 'counted', status: 'rejected' });
    const late = await rt.vote('carol@acme.com', gateId, 'approve');
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/rejected/);

    const done = await rt.waitFor('sam@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(done.steps.find((s) => s.id === 'apply')?.status).toBe('skipped');
    // Issue 14: the notification read "approved by . Rejected"; now it says who, when and why.
    const body = rt.dev.notifications[0]?.body ?? '';
    expect(body).toContain('production-deploy-with-approval Rejected');
    expect(body).toMatch(
      /Rejected by Bob Okafor at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: 'not during the freeze'/,
    );
    expect(body).not.toContain('approved by .');
  });

  it('timeout path: nobody decides, the gate times out and the run is cancelled', async () => {
    removeApplied('site');
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false, 60_000);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'Cancelled' });
    expect(done.gates[0]?.gate.status).toBe('timed_out');
    const late = await rt.vote('alice@acme.com', gateId, 'approve');
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/timed out/);
    expect((await auditOf(run.id)).map((e) => e.action)).toContain('timed_out');
  }, 90_000);
});

describe('critical-infra-two-person on the local runtime', () => {
  it('needs two different platform leads; one person twice counts once', async () => {
    const run = await rt.startRun('jane@acme.com', 'critical-infra-two-person');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const first = await rt.vote('bob@acme.com', gateId, 'approve');
    expect(first.body).toMatchObject({ status: 'pending', approvals: 1, required: 2 });
    // The same request again (a client retrying) gets the first answer and is not counted twice.
    expect(await rt.vote('bob@acme.com', gateId, 'approve')).toEqual(first);
    // Bob again with another vote is refused: a person counts once.
    expect((await rt.vote('bob@acme.com', gateId, 'approve', 'again, with a comment')).status).toBe(409);
    expect((await rt.vote('dave@acme.com', gateId, 'approve')).body).toMatchObject({
      status: 'approved',
      approvals: 2,
    });
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(done.gates[0]?.gate.approved_by.map((a) => a.email)).toEqual(['bob@acme.com', 'dave@acme.com']);
  });
});

describe('plan drift on the local runtime', () => {
  it('blocks the apply when the infrastructure changed between approval and apply', async () => {
    // The two-person test applied the database; one of its files is gone, so the plan has a
    // change to approve.
    removeApplied('database', 'schema/002-orders.sql');
    const run = await rt.startRun('jane@acme.com', 'critical-infra-two-person');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    // Someone changes another file out of band while the plan waits for review; the re-plan at
    // apply time differs.
    const schema = join(rt.dataDir, 'example-files', 'database', 'schema');
    writeFileSync(join(schema, '001-users.sql'), 'drop table users;\n');
    await rt.vote('alice@acme.com', gateId, 'approve');
    await rt.vote('bob@acme.com', gateId, 'approve');

    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'PlanDrift' });
    expect(readFileSync(join(schema, '001-users.sql'), 'utf8')).toBe('drop table users;\n');
    const blocked = (await auditOf(run.id)).find((e) => e.action === 'plan_drift_blocked') as Record<
      string,
      any
    >;
    expect(blocked.details.approved_hash).not.toBe(blocked.details.current_hash);
    expect(blocked.details.addresses).toContain('local_file.users_table');
  });
});

describe('production-deploy-with-escalation on the local runtime', () => {
  it('asks finance when the plan costs over $500 a month, then applies', async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-escalation');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const view = await rt.waitFor('jane@acme.com', run.id, () => true);
    expect(view.gates[0]?.gate.data.cost).toMatchObject({ estimated: true, monthly_delta: 750.5 });
    await rt.vote('carol@acme.com', gateId, 'approve');
    const financeGate = await rt.pendingGate('jane@acme.com', run.id, 'finance_approval');
    expect((await rt.vote('carol@acme.com', financeGate, 'approve')).status).toBe(403);
    await rt.vote('fiona@acme.com', financeGate, 'approve', 'budgeted');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(done.steps.map((s) => [s.id, s.status])).toEqual([
      ['plan', 'succeeded'],
      ['approve', 'succeeded'],
      ['check_cost', 'succeeded'],
      ['finance_approval', 'succeeded'],
      ['apply', 'succeeded'],
      ['notify', 'succeeded'],
    ]);
  });
});

describe('production-emergency-deploy on the local runtime', () => {
  // Issue 13: a developer starting the admin-only emergency workflow got 403 and left no audit event.
  it('refuses a developer, and audits the refusal with who, how and why', async () => {
    const refused = await rt.api('jane@acme.com', 'POST', '/api/runs', {
      workflow: 'production-emergency-deploy',
      reason: 'incident',
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('admin only');
    const { body } = await rt.api(
      'alice@acme.com',
      'GET',
      '/api/audit?actor=jane@acme.com&workflow=production-emergency-deploy',
    );
    expect(body.events[0]).toMatchObject({
      action: 'start_refused',
      actor: { email: 'jane@acme.com', name: 'Jane Doe' },
      workflow: 'production-emergency-deploy',
      channel: 'manual',
      reason: 'production-emergency-deploy can be started by admin only; jane@acme.com is developer',
      details: { status: 403, bypass: true },
    });
  });

  it('needs a reason, then runs without a gate and audits bypass_started', async () => {
    const noReason = await rt.api('alice@acme.com', 'POST', '/api/runs', {
      workflow: 'production-emergency-deploy',
    });
    expect(noReason.status).toBe(400);
    const run = await rt.startRun(
      'alice@acme.com',
      'production-emergency-deploy',
      'INC-42: certificate expired',
    );
    expect(run.bypass).toBe(true);
    const done = await rt.waitFor('alice@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    const first = (await auditOf(run.id))[0];
    expect(first).toMatchObject({
      action: 'bypass_started',
      actor: { email: 'alice@acme.com' },
      reason: 'INC-42: certificate expired',
    });
  });
});

describe('staging-deploy on the local runtime', () => {
  it('plans and applies with no gate', async () => {
    const run = await rt.startRun('sam@acme.com', 'staging-deploy');
    const done = await rt.waitFor('sam@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(done.gates).toEqual([]);
    expect(
      readFileSync(join(rt.dataDir, 'example-files', 'site-staging', 'public', 'index.html'), 'utf8'),
    ).toContain('staging');
  });
});

// Issue 13: GET /api/runs/<2100 chars> and POST /api/gates/<5000 chars>/votes answered 500
// (DynamoDB refused the key), and audit?format=xml silently answered JSON.
describe('the JSON API on malformed requests', () => {
  it('answers 404 for ids that cannot be a run or a gate, without touching storage', async () => {
    const run = await rt.api('alice@acme.com', 'GET', `/api/runs/${'r'.repeat(2100)}`);
    expect(run.status).toBe(404);
    expect(run.body.message).toMatch(/^no run r+/);
    const vote = await rt.vote('alice@acme.com', 'g'.repeat(5000), 'approve');
    expect(vote.status).toBe(404);
    expect(vote.body.message).toBe('There is no such approval gate.');
  });

  it('answers 400 to an audit format it does not know', async () => {
    const xml = await rt.api('alice@acme.com', 'GET', '/api/audit?format=xml');
    expect(xml).toMatchObject({ status: 400, body: { message: 'format must be json or csv, not "xml"' } });
    expect((await rt.api('alice@acme.com', 'GET', '/api/audit?format=json')).status).toBe(200);
  });
});

// Issue 13: deleting a run's newest audit event together with its head record (seq 0), or every
// audit item of a run, left /api/audit/verify saying ok:true; verify?run=nope also said ok.
describe('audit verification against erasure', () => {
  async function erase(runId: string, seqs: number[]) {
    for (const seq of seqs) {
      await rt.deps.clients.doc.send(
        new DeleteCommand({ TableName: rt.config.tables.audit, Key: { run_id: runId, seq } }),
      );
    }
  }

  it('fails when the newest events and the head record are gone, and when every event is gone', async () => {
    const run = await rt.startRun('sam@acme.com', 'staging-deploy');
    await rt.waitFor('sam@acme.com', run.id, () => false);
    const intact = await rt.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
    expect(intact.body.ok).toBe(true);
    const events = await rt.deps.auditQuery.readRun(run.id);
    const newest = events.at(-1)?.seq as number;
    expect(events.at(-1)?.action).toBe('run_finished');

    await erase(run.id, [newest, 0]);
    const cut = await rt.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
    expect(cut.body.ok).toBe(false);
    expect(cut.body.runs[0].problems[0]).toMatchObject({ kind: 'missing', seq: newest });
    expect(cut.body.runs[0].problems[0].message).toContain('before run_finished');

    await erase(
      run.id,
      events.map((e) => e.seq),
    );
    const gone = await rt.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
    // The runtime's checkpoint timer (every 60 s) may have recorded the run meanwhile: the
    // message then names the checkpoint too. Either way every event is reported missing.
    expect(gone.body.runs[0].problems).toEqual([
      {
        seq: 1,
        kind: 'missing',
        message: expect.stringMatching(
          /^(the run exists but has no audit events: every one was removed|events 1 to \d+ are missing: every event of the run was removed \(checkpoint \d+ recorded the trail up to event \d+\))$/,
        ),
      },
    ]);
  });

  // Two whole staging runs (plan, apply, notify) before the checkpoint: about 25 s on a quiet machine.
  it("Delete a run's newest audit event together with its head record (seq 0), or every audit item of a run and its run record: after a checkpoint, signoff audit verify fails naming each run and its missing seqs", async () => {
    const cut = await rt.startRun('sam@acme.com', 'staging-deploy');
    const whole = await rt.startRun('sam@acme.com', 'staging-deploy');
    await rt.waitFor('sam@acme.com', cut.id, () => false);
    await rt.waitFor('sam@acme.com', whole.id, () => false);
    // What the local runtime's timer (and the schedule in AWS) does every minute.
    expect((await writeAuditCheckpoint(rt.deps)).written.length).toBeGreaterThan(0);

    const cutEvents = await rt.deps.auditQuery.readRun(cut.id);
    const newest = cutEvents.at(-1)?.seq as number;
    await erase(cut.id, [newest, 0]);
    const wholeEvents = await rt.deps.auditQuery.readRun(whole.id);
    await erase(whole.id, [0, ...wholeEvents.map((e) => e.seq)]);
    await rt.deps.clients.doc.send(
      new DeleteCommand({ TableName: rt.config.tables.runs, Key: { run_id: whole.id } }),
    );

    const tokens = JSON.parse(readFileSync(join(rt.dataDir, 'tokens.json'), 'utf8')) as Record<
      string,
      string
    >;
    const lines: string[] = [];
    const code = await auditVerifyCommand({ endpoint: rt.url, token: tokens['alice@acme.com'] }, (line) =>
      lines.push(line),
    );
    expect(code).toBe(1);
    const printed = lines.join('\n');
    expect(printed).toContain(`FAIL  ${cut.id}  (${cutEvents.length - 1} events)`);
    expect(printed).toMatch(
      new RegExp(
        `seq ${newest}: missing: event ${newest} is missing \\(checkpoint \\d+ recorded the trail up to event ${newest}\\)`,
      ),
    );
    expect(printed).toContain(`FAIL  ${whole.id}  (0 events)`);
    expect(printed).toContain(
      `seq 1: missing: events 1 to ${wholeEvents.length} are missing: the run record and every audit event of the run were removed`,
    );
    expect(printed).toMatch(/ok {4}checkpoints {2}\(\d+, newest \d+ at .+; no locked archive\)/);
    const one = await rt.api('alice@acme.com', 'GET', `/api/audit/verify?run=${whole.id}`);
    expect(one).toMatchObject({ status: 200, body: { ok: false } });
  }, 90_000);

  it('answers 404 for a run that does not exist', async () => {
    const nope = await rt.api('alice@acme.com', 'GET', '/api/audit/verify?run=nope');
    expect(nope).toMatchObject({
      status: 404,
      body: { message: 'there is no run nope and no audit event for it' },
    });
  });
});

/**
 * Gates that read the plan, end to end on the local runtime: approvers chosen by what changes,
 * a tags-only plan approved by signoff itself, and an older waiting run superseded by a newer one.
 * The projects "plan" by copying a held plan (test/fixtures/plan-rules), so each run has the plan
 * a test needs.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createFixtureRoot } from '../../support/fixture-root.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';
import type { StoredEmail } from '../email/ses-emulator.ts';

const NETWORK =
  'plan.resources.exists(r, r.type.startsWith("aws_security_group") || r.type == "aws_network_acl")';
const TAGS_ONLY =
  'plan.destroy == 0 && plan.resources.all(r, r.action == "update" && r.changed_attributes.all(a, a == "tags" || a == "tags_all"))';

let root: string;
let rt: TestRuntime;

function heldPlanProject(name: string, fixture: string) {
  const plan = new URL(`../../fixtures/plan-rules/${fixture}.plan.json`, import.meta.url).pathname;
  return {
    name,
    tool: 'command',
    directory: '.',
    plan: `cp '${plan}' "$SIGNOFF_PLAN_JSON" && echo saved > "$SIGNOFF_SAVED_PLAN"`,
    apply: 'true',
  };
}

function workflow(name: string, project: string, environment: string, approve: Record<string, unknown>) {
  return stringify({
    name,
    environment,
    steps: [
      { id: 'plan', type: 'iac', project, action: 'plan' },
      {
        id: 'approve',
        type: 'approval',
        approvers: ['team:platform-leads'],
        required: 1,
        timeout: '1h',
        ...approve,
      },
      { id: 'apply', type: 'iac', project, action: 'apply', plan_from: 'plan' },
    ],
  });
}

beforeAll(async () => {
  root = createFixtureRoot('plan-rules');
  writeFileSync(
    join(root, 'config', 'projects.yaml'),
    stringify({
      projects: [heldPlanProject('network', 'security_group'), heldPlanProject('tags', 'tags_only')],
    }),
  );
  mkdirSync(join(root, 'workflows'));
  writeFileSync(
    join(root, 'workflows', 'network-deploy.yaml'),
    workflow('network-deploy', 'network', 'production', {
      rules: [
        {
          when: NETWORK,
          approvers: ['team:security'],
          required: 1,
          reason: 'network exposure changes need security',
        },
      ],
    }),
  );
  writeFileSync(
    join(root, 'workflows', 'tags-deploy.yaml'),
    workflow('tags-deploy', 'tags', 'staging', {
      auto_approve: { when: TAGS_ONLY, reason: 'tags-only changes are low risk' },
    }),
  );
  rt = await startTestRuntime({ root });
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  if (rt) rmSync(rt.dataDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

async function emailsFor(gateId: string, count: number): Promise<StoredEmail[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { emails } = (await (await fetch(`${rt.inboxUrl}/store`)).json()) as { emails: StoredEmail[] };
    const found = emails.filter((m) => m.body.text?.includes(`/approvals/${encodeURIComponent(gateId)}?t=`));
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function linkIn(email: StoredEmail | undefined): string {
  const link = email?.body.text?.match(/https?:\/\/\S+\/approvals\/\S+/)?.[0];
  if (!link) throw new Error('no approval link in the email');
  return link;
}

describe('gates that read the plan, on the local runtime', () => {
  it('asks the security team beside the platform leads for a security group change, and every card says why', {
    timeout: 90_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'network-deploy');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const emails = await emailsFor(gateId, 6);
    // Four platform leads and the security team (Dave is on both, Sam only on security).
    expect(emails.flatMap((m) => m.destination.to).sort()).toEqual(
      ['alice@acme.com', 'bob@acme.com', 'carol@acme.com', 'dave@acme.com', 'sam@acme.com'].sort(),
    );
    const why =
      'network exposure changes need security: 0 of 1 from team:security; matched aws_security_group.web, aws_security_group_rule.ssh';
    expect(emails[0]?.body.text).toContain(why);
    const page = await (
      await fetch(linkIn(emails.find((m) => m.destination.to.includes('sam@acme.com'))))
    ).text();
    expect(page).toContain('network exposure changes need security');

    expect((await rt.vote('alice@acme.com', gateId, 'approve')).body).toMatchObject({ status: 'pending' });
    expect((await rt.vote('sam@acme.com', gateId, 'approve')).body).toMatchObject({ status: 'approved' });
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
  });

  it('auto-approves a tags-only plan, and says so in the run, the audit trail and the card', {
    timeout: 90_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'tags-deploy');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(done.outcome_detail ?? JSON.stringify(done)).toContain(
      'Auto-approved by signoff; no person approved (reason: tags-only changes are low risk)',
    );
    const gate = done.gates[0]?.gate;
    expect(gate).toMatchObject({
      status: 'approved',
      approved_by: [],
      closed_by: { email: 'system:signoff' },
    });
    const { body } = await rt.api('jane@acme.com', 'GET', `/api/audit?run=${run.id}&format=json`);
    const auto = body.events.find((e: { action: string }) => e.action === 'auto_approved');
    expect(auto).toMatchObject({
      actor: { email: 'system:signoff' },
      reason: 'tags-only changes are low risk',
      details: { expression: TAGS_ONLY, plan_hash: gate?.data.plan?.hash, approved_by_person: false },
    });
    expect(body.events.some((e: { action: string }) => e.action === 'approved')).toBe(false);
  });

  it('cancels an older waiting run as superseded when a newer one waits for its lock; the newer one plans, is approved and applies; the older email link says superseded', {
    timeout: 120_000,
  }, async () => {
    const older = await rt.startRun('jane@acme.com', 'network-deploy');
    const olderGate = await rt.pendingGate('jane@acme.com', older.id, 'approve');
    const [olderEmail] = await emailsFor(olderGate, 1);
    // The older run holds the project's lock at its gate: the newer run, waiting for it, supersedes it.
    const newer = await rt.startRun('jane@acme.com', 'network-deploy');
    const newerGate = await rt.pendingGate('jane@acme.com', newer.id, 'approve');
    await rt.vote('alice@acme.com', newerGate, 'approve');
    await rt.vote('sam@acme.com', newerGate, 'approve');

    const ended = await rt.waitFor('jane@acme.com', older.id, () => false);
    expect(ended.run.status).not.toBe('RUNNING');
    expect(ended.outcome).toBe('Cancelled');
    expect(ended.outcome_detail).toContain(`superseded by run ${newer.id}`);
    expect(ended.gates[0]?.gate).toMatchObject({
      status: 'cancelled',
      close_comment: `superseded by run ${newer.id}`,
      approved_by: [],
    });
    const { body } = await rt.api('jane@acme.com', 'GET', `/api/audit?run=${older.id}&format=json`);
    expect(body.events.find((e: { action: string }) => e.action === 'gate_cancelled')).toMatchObject({
      actor: { email: 'system:supersede' },
      details: { superseded_by_run: newer.id, waiting_for_lock: 'network' },
    });
    const page = await (await fetch(linkIn(olderEmail))).text();
    expect(page).toContain(`superseded by run ${newer.id}`);
    expect((await rt.vote('bob@acme.com', olderGate, 'approve')).status).toBe(409);
    expect((await rt.waitFor('jane@acme.com', newer.id, () => false)).run.status).toBe('SUCCEEDED');
  });
});

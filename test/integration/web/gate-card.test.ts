import '../../../local/polyfills.ts';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gateConfig } from '../../../statemachines/compile.ts';
import type { RequestApprovalInput } from '../../../statemachines/contract.ts';
import { type ApprovalStep, workflowSchema } from '../../../statemachines/schema.ts';
import { requestInput, runInfo } from '../../support/approval-fixtures.ts';
import { linkIn, postForm, signInByEmail, startWebHarness, type WebHarness } from './web-harness.ts';

let h: WebHarness;

beforeAll(async () => {
  h = await startWebHarness();
});

afterAll(async () => {
  await h?.stop();
});

const SHA = '0123456789abcdef0123456789abcdef01234567';

/** A merged PR's run of the escalation workflow whose change costs $750/month more. */
function githubInput(runId: string): RequestApprovalInput {
  const text = readFileSync('workflows/production-deploy-with-escalation.yaml', 'utf8');
  const workflow = workflowSchema.parse(parse(text));
  const step = workflow.steps.find((s) => s.id === 'approve') as ApprovalStep;
  const config = { ...gateConfig(step, workflow), name: 'Platform approval', required: 2 };
  const run = runInfo({
    id: runId,
    reason: 'Widen the VPC <for> the new cluster',
    trigger: {
      type: 'github',
      delivery: `d-${runId}`,
      repository: 'acme/infrastructure',
      branch: 'main',
      pr: {
        number: 42,
        title: 'Widen the VPC <script>alert(1)</script>',
        author: 'octocat',
        merge_commit: SHA,
        url: 'https://github.com/acme/infrastructure/pull/42',
      },
    },
    source: {
      type: 'repository',
      repository: 'acme/infrastructure',
      commit: SHA,
      ref: 'main',
      checkout: SHA,
    },
  });
  const input = requestInput(config, run);
  input.data.cost = {
    estimated: true,
    currency: 'USD',
    monthly_before: 1000,
    monthly_after: 1750,
    monthly_delta: 750,
  };
  return input;
}

async function emailTo(runId: string, email: string) {
  const mail = (await h.ses.emails()).find(
    (m) => m.destination.to[0] === email && m.body.text?.includes(runId),
  );
  if (!mail) throw new Error(`no email to ${email} about ${runId}`);
  return mail;
}

describe('the gate card in the approval email', () => {
  it('shows the reason, the PR, the commit, who else may approve, what follows and the deadline', async () => {
    await h.openGate(githubInput('run-card-email'));
    const mail = await emailTo('run-card-email', 'alice@acme.com');
    const text = mail.body.text ?? '';
    expect(text).toContain('Reason: Widen the VPC <for> the new cluster');
    expect(text).toContain(
      'Pull request: #42 Widen the VPC <script>alert(1)</script> (by octocat in acme/infrastructure) (https://github.com/acme/infrastructure/pull/42)',
    );
    expect(text).toContain(`Commit: 0123456 on main (https://github.com/acme/infrastructure/commit/${SHA})`);
    expect(text).toContain('Approvals: 0 of 2 approvals');
    expect(text).toContain('May still approve: Alice Lead, Bob Builder, Carol Ops, Dave Net');
    expect(text).toContain(
      '  - Escalates to team:sre-managers at 2026-11-25 11:00 UTC (in 1 hour) if still waiting',
    );
    expect(text).toContain('  - finance approval follows: cost +$750/month > $500 (1 of team:finance)');
    expect(text).toContain('Cost: $1000.00/month now → $1750.00/month after (+$750.00/month)');
    expect(text).toContain('Deadline: 2026-11-25 12:00 UTC (2 hours left)');

    const body = mail.body.html ?? '';
    expect(body).not.toContain('<script');
    expect(body).toContain('Widen the VPC &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toContain('Widen the VPC &lt;for&gt; the new cluster');
    expect(body).toContain('href="https://github.com/acme/infrastructure/pull/42"');
    expect(body).toContain(`href="https://github.com/acme/infrastructure/commit/${SHA}"`);
    expect(body).toContain('finance approval follows: cost +$750/month &gt; $500');
    expect(body).toContain('Alice Lead, Bob Builder, Carol Ops, Dave Net');
  });
});

describe('the gate card on the approval page', () => {
  it('shows the same card, with the approvals so far and who may still approve', async () => {
    const gateId = await h.openGate(githubInput('run-card-page'));
    const link = linkIn(
      (await emailTo('run-card-page', 'alice@acme.com')).body.text ?? '',
      `${h.url}/approvals/`,
    );
    const bobLink = linkIn(
      (await emailTo('run-card-page', 'bob@acme.com')).body.text ?? '',
      `${h.url}/approvals/`,
    );
    const t = new URL(bobLink).searchParams.get('t') ?? '';
    const approved = await postForm(`${h.url}/approvals/${gateId}`, { t, decision: 'approve' });
    expect(approved.status).toBe(200);

    const page = await (await fetch(link)).text();
    expect(page).not.toContain('<script');
    expect(page).toContain('Waiting for 1 more approval (1 of 2 so far)');
    expect(page).toContain('<q>Widen the VPC &lt;for&gt; the new cluster</q>');
    expect(page).toContain(
      '<a href="https://github.com/acme/infrastructure/pull/42">#42 Widen the VPC &lt;script&gt;alert(1)&lt;/script&gt;</a>',
    );
    expect(page).toContain(
      `<a href="https://github.com/acme/infrastructure/commit/${SHA}"><code>0123456</code></a> on main`,
    );
    const mayStill = page.slice(page.indexOf('May still approve'), page.indexOf('Escalation'));
    expect(mayStill).toContain('Alice Lead');
    expect(mayStill).toContain('Carol Ops');
    expect(mayStill).not.toContain('Bob Builder');
    expect(page).toContain('finance approval follows: cost +$750/month &gt; $500');
    expect(page).toContain('2 hours left');
  });
});

describe('rejecting on the web', () => {
  it('refuses a rejection without a reason or without the confirmation with a 400, and changes nothing', async () => {
    const input = githubInput('run-card-reject');
    // The harness's escalation timer runs on the wall clock, past the test clock's deadline; keep the trail to this test's votes.
    input.gate.escalation = [];
    const gateId = await h.openGate(input);
    const link = linkIn(
      (await emailTo('run-card-reject', 'dave@acme.com')).body.text ?? '',
      `${h.url}/approvals/`,
    );
    const t = new URL(link).searchParams.get('t') ?? '';
    const form = await (await fetch(link)).text();
    expect(form).toMatch(/<textarea id="approval-reason" name="reason" rows="3" maxlength="2000" required>/);
    expect(form).toMatch(
      /<input type="checkbox" id="approval-confirm" name="confirm" value="reject" required>/,
    );

    for (const [fields, message] of [
      [{ confirm: 'reject' }, 'say why in the reason box'],
      [{ reason: '   ', confirm: 'reject' }, 'say why in the reason box'],
      [{ reason: 'wrong CIDR' }, 'tick “I want to reject” to confirm'],
      [{ reason: 'wrong CIDR', confirm: 'yes' }, 'tick “I want to reject” to confirm'],
      [{}, 'say why in the reason box, and tick “I want to reject” to confirm'],
    ] as [Record<string, string>, string][]) {
      const response = await postForm(`${h.url}/approvals/${gateId}`, { t, decision: 'reject', ...fields });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(message);
    }
    expect((await h.deps.gates.get(gateId))?.status).toBe('pending');
    expect(await h.deps.votes.list(gateId)).toEqual([]);
    expect((await h.deps.auditQuery.readRun('run-card-reject')).map((e) => e.action)).toEqual(['requested']);

    const rejected = await postForm(`${h.url}/approvals/${gateId}`, {
      t,
      decision: 'reject',
      reason: 'PR 42 changes the wrong CIDR',
      confirm: 'reject',
    });
    expect(rejected.status).toBe(200);
    const page = await rejected.text();
    expect(page).toContain('Rejected by Dave Net at');
    expect(page).toContain('“PR 42 changes the wrong CIDR”');
    expect((await h.deps.gates.get(gateId))?.status).toBe('rejected');
    const audit = await h.deps.auditQuery.readRun('run-card-reject');
    expect(audit.at(-1)).toMatchObject({ action: 'rejected', comment: 'PR 42 changes the wrong CIDR' });
  });

  it('refuses the same on the run page, before looking at the gate', async () => {
    const gateId = await h.openGate(requestInput({}, runInfo({ id: 'run-card-reject-web' })));
    const cookie = await signInByEmail(h, 'carol@acme.com');
    const page = await (await fetch(`${h.url}/runs/run-card-reject-web`, { headers: { cookie } })).text();
    const csrf = page.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
    expect(page).toContain('I want to reject');
    const response = await postForm(
      `${h.url}/runs/run-card-reject-web`,
      { gate: gateId, decision: 'reject', reason: 'not now', csrf },
      cookie,
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('tick “I want to reject” to confirm');
    expect((await h.deps.gates.get(gateId))?.status).toBe('pending');
    expect(await h.deps.votes.list(gateId)).toEqual([]);

    const rejected = await postForm(
      `${h.url}/runs/run-card-reject-web`,
      { gate: gateId, decision: 'reject', reason: 'not now', confirm: 'reject', csrf },
      cookie,
    );
    expect(rejected.status).toBe(200);
    expect((await h.deps.gates.get(gateId))?.status).toBe('rejected');
  });
});

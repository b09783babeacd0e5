import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../../functions/core/triggers/hmac-signature.ts';
import type { FakeCheckRun } from '../../../local/github/fake-github-api.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

// A real pull_request "closed" (merged) delivery from @octokit/webhooks-examples (test/fixtures/github).
const MERGED_PR = readFileSync(
  new URL('../../fixtures/github/pull_request.closed-merged.json', import.meta.url),
  'utf8',
);
const WORKFLOW = 'production-deploy-with-approval';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startTestRuntime();
}, 60_000);
afterAll(() => rt?.stop());

/** Delivers a merge of pull request `number` into acme/infrastructure's main, at the local repository's head. */
async function deliverMerge(number: number): Promise<string> {
  const payload = JSON.parse(MERGED_PR);
  payload.repository.full_name = 'acme/infrastructure';
  payload.pull_request.base.ref = 'main';
  payload.pull_request.number = number;
  payload.pull_request.merge_commit_sha = execFileSync('git', ['-C', rt.repository, 'rev-parse', 'main'], {
    encoding: 'utf8',
  }).trim();
  const body = JSON.stringify(payload);
  const secret = JSON.parse(readFileSync(`${rt.dataDir}/secrets.json`, 'utf8'))['github-webhook-secret'];
  const response = await fetch(`${rt.url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': `delivery-${number}`,
      'x-hub-signature-256': signBody(body, secret),
    },
    body,
  });
  expect(response.status).toBe(202);
  const { started } = (await response.json()) as { started: { workflow: string; run_id: string }[] };
  const run = started.find((s) => s.workflow === WORKFLOW);
  if (!run) throw new Error(`no ${WORKFLOW} run started`);
  return run.run_id;
}

function checkOf(runId: string): FakeCheckRun | undefined {
  return rt.github?.api.checkRuns.find((c) => c.external_id === runId);
}

/** Polls until `ready` holds (no timing is asserted; the test fails on the expectations after it). */
async function until(ready: () => boolean, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!ready() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

describe('GitHub reports in the local runtime', () => {
  it('moves a merged pull request’s check through every state and edits one comment', {
    timeout: 120_000,
  }, async () => {
    const runId = await deliverMerge(101);
    const gateId = await rt.pendingGate('alice@acme.com', runId, 'approve');
    await until(() => checkOf(runId)?.output?.title?.startsWith('waiting for approval') === true);
    expect(checkOf(runId)).toMatchObject({
      status: 'in_progress',
      head_sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      details_url: `${rt.url}/runs/${runId}`,
      output: { title: 'waiting for approval: 0 of 1 (team:platform-leads)' },
    });

    await rt.vote('alice@acme.com', gateId, 'approve', 'looks right');
    expect((await rt.waitFor('alice@acme.com', runId, () => false)).run.status).toBe('SUCCEEDED');
    await until(() => checkOf(runId)?.status === 'completed');

    const check = checkOf(runId);
    expect(check?.history.map((h) => h.conclusion ?? h.status)).toEqual([
      'queued',
      'in_progress',
      'in_progress',
      'in_progress',
      'success',
    ]);
    expect(check?.history.map((h) => h.title)).toEqual([
      'queued, waiting for its project locks',
      'planning…',
      'waiting for approval: 0 of 1 (team:platform-leads)',
      'approved by Alice Moreau; applying…',
      expect.stringMatching(/^Succeeded: .*Approved by Alice Moreau\./),
    ]);
    const comments = rt.github?.api.comments.filter((c) => c.body.includes(runId)) ?? [];
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ issue_number: 101, edits: 4 });
    expect(comments[0]?.body).toMatch(/\*\*Outcome:\*\* Succeeded/);

    const page = await fetch(`${rt.url}/dev/github`).then((r) => r.text());
    expect(page).toContain(`acme/infrastructure#101`);
  });

  it('shows a GitHub outage on the run and leaves the run’s outcome alone', {
    timeout: 120_000,
  }, async () => {
    rt.github?.api.failNext(10_000, 503);
    try {
      const runId = await deliverMerge(102);
      const view = await rt.waitFor('alice@acme.com', runId, () => false);
      // The first run applied everything, so this one has no changes and ends without a gate.
      expect(view.run.status).toBe('SUCCEEDED');
      const { body } = await rt.api('alice@acme.com', 'GET', `/api/runs/${runId}`);
      expect(body.outcome).toBe('No changes');
      expect(body.github_failure).toMatch(/^GitHub check not updated: GitHub answered 503 to POST /);
      const audited = await rt.deps.auditQuery.readRun(runId);
      expect(
        audited.filter((e) => e.action === 'notification_failed' && e.channel === 'github'),
      ).toHaveLength(1);
      expect(checkOf(runId)).toBeUndefined();
    } finally {
      rt.github?.api.failNext(0, 503);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../../functions/core/triggers/hmac-signature.ts';
import type { FakeCheckRun } from '../../../local/github/fake-github-api.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

// A real pull_request "closed" (merged) delivery from @octokit/webhooks-examples (test/fixtures/github).
const MERGED_PR = readFileSync(
  new URL('../../fixtures/github/pull_request.closed-merged.json', import.meta.url),
  'utf8',
);
// A real pull_request "opened" delivery; `synchronize` (a push to it) has the same shape.
const OPENED_PR = readFileSync(
  new URL('../../fixtures/github/pull_request.opened.json', import.meta.url),
  'utf8',
);
const WORKFLOW = 'production-deploy-with-approval';
const PR_WORKFLOW = 'production-plan-on-pull-request';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startTestRuntime();
}, 60_000);
afterAll(() => rt?.stop());

const git = (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
  execFileSync('git', ['-C', rt.repository, ...args], {
    encoding: 'utf8',
    ...options,
    env: { ...process.env, ...options.env },
  }).trim();

/**
 * A push to a pull request's branch: a commit on `parent` whose desired state adds one page, so its
 * plan has a change to review. Written with git's plumbing: main and the work tree do not move.
 */
function pushPage(branch: string, parent: string, page: string): string {
  const path = 'examples/local-files/desired.yaml';
  const desired = `${git(['show', `${parent}:${path}`])}\n  - type: local_file\n    name: ${page}\n    path: public/${page}.html\n    content: ${page}\n`;
  const blob = git(['hash-object', '-w', '--stdin'], { input: desired });
  const env = { GIT_INDEX_FILE: join(rt.dataDir, `index-${branch}`) };
  git(['read-tree', parent], { env });
  git(['update-index', '--cacheinfo', `100644,${blob},${path}`], { env });
  const tree = git(['write-tree'], { env });
  const commit = git(['commit-tree', tree, '-p', parent, '-m', `Add ${page}`]);
  git(['update-ref', `refs/heads/${branch}`, commit]);
  return commit;
}

/** Delivers a merge of pull request `number` into acme/infrastructure's main, at the local repository's head. */
async function deliverMerge(number: number): Promise<string> {
  const payload = JSON.parse(MERGED_PR);
  payload.repository.full_name = 'acme/infrastructure';
  payload.pull_request.base.ref = 'main';
  payload.pull_request.number = number;
  payload.pull_request.merge_commit_sha = git(['rev-parse', 'main']);
  return deliver(payload, `delivery-${number}`, WORKFLOW);
}

/** Delivers pull request `number` against main `opened`, or pushed to (`synchronize`), with `head` its head commit. */
async function deliverPullRequest(number: number, action: 'opened' | 'synchronize', head: string) {
  const payload = JSON.parse(OPENED_PR);
  payload.action = action;
  payload.repository.full_name = 'acme/infrastructure';
  payload.pull_request.base.ref = 'main';
  payload.pull_request.number = number;
  payload.pull_request.head.sha = head;
  return deliver(payload, `delivery-${number}-${head}`, PR_WORKFLOW);
}

/** Signs and posts `payload` as GitHub would; returns the id of `workflow`'s run it started. */
async function deliver(payload: unknown, deliveryId: string, workflow: string): Promise<string> {
  const body = JSON.stringify(payload);
  const secret = JSON.parse(readFileSync(`${rt.dataDir}/secrets.json`, 'utf8'))['github-webhook-secret'];
  const response = await fetch(`${rt.url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': signBody(body, secret),
    },
    body,
  });
  expect(response.status).toBe(202);
  const { started } = (await response.json()) as { started: { workflow: string; run_id: string }[] };
  const run = started.find((s) => s.workflow === workflow);
  if (!run) throw new Error(`no ${workflow} run started`);
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
    // The check and then the comment are edited by one report: on a busy machine the comment's
    // edit lands a moment after the check's.
    const commentOf = () => rt.github?.api.comments.find((c) => c.body.includes(runId));
    await until(
      () =>
        checkOf(runId)?.status === 'completed' && /\*\*Outcome:\*\* Succeeded/.test(commentOf()?.body ?? ''),
    );

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
    // Edited in place at each move; two moves reported at the same moment may share one edit,
    // since every report renders the run as it stands (never a second comment).
    expect(comments[0]).toMatchObject({ issue_number: 101 });
    expect(comments[0]?.edits).toBeGreaterThanOrEqual(3);
    expect(comments[0]?.edits).toBeLessThanOrEqual(4);
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

  it('runs a plan-only check on an opened pull request; a new push cancels the older run and its check as superseded', {
    timeout: 120_000,
  }, async () => {
    const first = pushPage('pr-103', 'main', 'about');
    const older = await deliverPullRequest(103, 'opened', first);
    const olderGate = await rt.pendingGate('alice@acme.com', older, 'review');
    // A run that only plans holds no lock: a deploy of the same project is never held back by it.
    expect((await rt.deps.locks.get('example-site'))?.holder?.run_id).not.toBe(older);
    await until(() => checkOf(older)?.output?.title?.startsWith('waiting for approval') === true);

    const second = pushPage('pr-103', first, 'contact');
    const newer = await deliverPullRequest(103, 'synchronize', second);
    const newerGate = await rt.pendingGate('alice@acme.com', newer, 'review');

    const ended = await rt.waitFor('alice@acme.com', older, () => false);
    expect(ended.outcome).toBe('Cancelled');
    expect(ended.outcome_detail).toContain(`superseded by run ${newer}`);
    expect((await rt.vote('alice@acme.com', olderGate, 'approve')).status).toBe(409);
    await until(() => checkOf(older)?.status === 'completed');
    expect(checkOf(older)).toMatchObject({
      head_sha: first,
      conclusion: 'cancelled',
      output: { title: expect.stringContaining(`superseded by run ${newer}`) },
    });

    await rt.vote('alice@acme.com', newerGate, 'approve', 'plan reviewed');
    const done = await rt.waitFor('alice@acme.com', newer, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(done.steps.map((st) => st.id)).not.toContain('apply');
    await until(() => checkOf(newer)?.status === 'completed');
    const check = checkOf(newer);
    expect(check).toMatchObject({ name: PR_WORKFLOW, head_sha: second, conclusion: 'success' });
    // Nothing to lock, so nothing to queue for: the check starts in progress.
    expect(check?.history.map((h) => h.title)).toEqual([
      'planning…',
      'waiting for approval: 0 of 1 (team:platform-leads)',
      'approved by Alice Moreau',
      expect.stringMatching(/^Succeeded: /),
    ]);
    // One comment per run on the pull request, each edited in place.
    const comments = rt.github?.api.comments.filter((c) => c.issue_number === 103) ?? [];
    expect(comments.map((c) => c.body.includes(older) || c.body.includes(newer))).toEqual([true, true]);
  });
});

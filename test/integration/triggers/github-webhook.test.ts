import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dedupRunId } from '../../../functions/core/runs/start-run.ts';
import { signBody } from '../../../functions/core/triggers/hmac-signature.ts';
import { createGithubWebhookHandler } from '../../../functions/github-webhook/handler.ts';
import { lambdaContext, startGateway } from '../../../local/gateway.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';
import { createTriggerDeps, GITHUB_SECRET, httpEvent, PUBLIC_URL, parseResult } from './trigger-harness.ts';

const fixtureText = (name: string) =>
  readFileSync(new URL(`../../fixtures/github/${name}`, import.meta.url), 'utf8');
const MERGED = fixtureText('pull_request.closed-merged.json');

let db: Dynalite;
let h: ReturnType<typeof createTriggerDeps>;
let handler: ReturnType<typeof createGithubWebhookHandler>;
let deliveries = 0;

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});
beforeEach(() => {
  h = createTriggerDeps(db);
  handler = createGithubWebhookHandler(() => h.deps);
});

function newDelivery(): string {
  deliveries += 1;
  return `72d3162e-cc78-11e3-81ab-${String(deliveries).padStart(12, '0')}`;
}

/** Calls the handler with a body signed by the GitHub secret (or the given signature). */
async function deliver(
  body: string | Buffer,
  options: { event?: string; delivery?: string | null; signature?: string | null; base64?: boolean } = {},
) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-event': options.event ?? 'pull_request',
    'x-github-hook-id': '292430182',
  };
  const delivery = options.delivery === undefined ? newDelivery() : options.delivery;
  if (delivery !== null) headers['x-github-delivery'] = delivery;
  const signature = options.signature === undefined ? signBody(body, GITHUB_SECRET) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const event = httpEvent({ path: '/webhooks/github', body, headers, base64: options.base64 ?? false });
  return { delivery, ...parseResult(await handler(event, lambdaContext('signoff-github-webhook'))) };
}

let merges = 0;

/** The merged-PR payload into `branch`, as a merge of its own (a merge commit no other test used). */
function mergedInto(branch: string, changes: (payload: any) => void = () => {}): string {
  const payload = JSON.parse(MERGED);
  payload.pull_request.base.ref = branch;
  merges += 1;
  payload.pull_request.merge_commit_sha = `${String(merges).padStart(8, '0')}${'f'.repeat(32)}`;
  changes(payload);
  return JSON.stringify(payload);
}

async function runCount(): Promise<number> {
  return (await h.runs.list({}, { limit: 100 })).runs.length;
}

describe('POST /webhooks/github', () => {
  it('starts every workflow of the repository and branch for a merged pull request, recording the PR', async () => {
    const before = await runCount();
    const { status, body, delivery } = await deliver(MERGED);
    expect(status).toBe(202);
    // One run per workflow and merge (repository, pull request, merge commit).
    const merge = 'github:codertocat/hello-world#2@c4295bd74fb0f4fda03689c3df3f2803b658fd85';
    const ids = { deploy: dedupRunId('hello-deploy', merge), audit: dedupRunId('hello-audit', merge) };
    expect(body).toEqual({
      delivery,
      started: [
        { workflow: 'hello-deploy', run_id: ids.deploy, run_url: `${PUBLIC_URL}/runs/${ids.deploy}` },
        { workflow: 'hello-audit', run_id: ids.audit, run_url: `${PUBLIC_URL}/runs/${ids.audit}` },
      ],
      duplicate: [],
    });
    expect(await runCount()).toBe(before + 2);

    const trigger = {
      type: 'github',
      delivery,
      repository: 'Codertocat/Hello-World',
      branch: 'master',
      pr: {
        number: 2,
        title: 'Update the README with new information.',
        author: 'Codertocat',
        merge_commit: 'c4295bd74fb0f4fda03689c3df3f2803b658fd85',
        url: 'https://github.com/Codertocat/Hello-World/pull/2',
      },
    };
    const run = await h.runs.get(ids.deploy);
    expect(run).toMatchObject({
      id: ids.deploy,
      workflow: 'hello-deploy',
      status: 'RUNNING',
      trigger,
      // The PR author is in the directory: they are the requester (so they cannot approve it themselves).
      started_by: { email: 'coder@acme.com', name: 'Coder Cat' },
    });
    expect(h.engine.starts.map((s) => [s.stateMachineArn.split(':').at(-1), s.runId])).toEqual([
      ['signoff-hello-deploy', ids.deploy],
      ['signoff-hello-audit', ids.audit],
    ]);
    expect(h.engine.starts[0]?.input.run.trigger).toEqual(trigger);

    const events = await h.audit.readRun(ids.deploy);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'run_started',
      actor: { email: 'github:Codertocat', name: 'Codertocat' },
      workflow: 'hello-deploy',
      details: { trigger },
    });
  });

  it('starts nothing for a redelivery of the same delivery id and lists the existing runs', async () => {
    const delivery = newDelivery();
    const body = mergedInto('master');
    const first = await deliver(body, { delivery });
    expect(first.body.started).toHaveLength(2);
    const starts = h.engine.starts.length;
    const runs = await runCount();

    const again = await deliver(body, { delivery });
    expect(again.status).toBe(202);
    expect(again.body.started).toEqual([]);
    expect(again.body.duplicate).toEqual(first.body.started);
    expect(h.engine.starts).toHaveLength(starts);
    expect(await runCount()).toBe(runs);
    for (const { run_id } of first.body.started) {
      expect((await h.audit.readRun(run_id)).map((e) => e.action)).toEqual(['run_started']);
    }
  });

  // Issue 13: the same signed merged-PR body re-sent with a new X-GitHub-Delivery id started a
  // second run for the same PR and merge commit (the delivery id is not signed).
  it('starts nothing for the same merge under a new delivery id', async () => {
    const body = mergedInto('master');
    const first = await deliver(body);
    expect(first.body.started).toHaveLength(2);
    const starts = h.engine.starts.length;
    const replayed = await deliver(body);
    expect(replayed.delivery).not.toBe(first.delivery);
    expect(replayed.body.started).toEqual([]);
    expect(replayed.body.duplicate).toEqual(first.body.started);
    expect(h.engine.starts).toHaveLength(starts);
  });

  it('audits a merge that starts a production workflow without a gate as bypass_started', async () => {
    const { status, body } = await deliver(mergedInto('hotfix'));
    expect(status).toBe(202);
    expect(body.started.map((s: { workflow: string }) => s.workflow)).toEqual(['hello-hotfix']);
    const [event] = await h.audit.readRun(body.started[0].run_id);
    expect(event).toMatchObject({
      action: 'bypass_started',
      details: { review: 'post-incident review required', trigger: { type: 'github', branch: 'hotfix' } },
    });
    expect((await h.runs.get(body.started[0].run_id))?.bypass).toBe(true);
  });

  it('refuses a tampered body, a signature made with another secret and a missing signature', async () => {
    const before = await runCount();
    const tampered = await deliver(
      mergedInto('master', (p) => (p.pull_request.title = 'evil')),
      {
        signature: signBody(MERGED, GITHUB_SECRET),
      },
    );
    expect(tampered).toMatchObject({
      status: 401,
      body: { message: 'X-Hub-Signature-256 does not match the body' },
    });
    const otherSecret = await deliver(MERGED, { signature: signBody(MERGED, 'not the secret') });
    expect(otherSecret.status).toBe(401);
    const short = await deliver(MERGED, { signature: 'sha256=abc' });
    expect(short.status).toBe(401);
    const missing = await deliver(MERGED, { signature: null });
    expect(missing).toMatchObject({ status: 401, body: { message: 'X-Hub-Signature-256 is missing' } });
    expect(h.engine.starts).toEqual([]);
    expect(await runCount()).toBe(before);
  });

  it('checks the signature before reading the body', async () => {
    const { status } = await deliver('{not json', { signature: signBody('{}', GITHUB_SECRET) });
    expect(status).toBe(401);
  });

  it('ignores a pull request closed without merging, other actions and other events with a reason', async () => {
    const before = await runCount();
    const closed = await deliver(fixtureText('pull_request.closed.json'));
    expect(closed).toMatchObject({
      status: 202,
      body: { started: [], duplicate: [], reason: 'pull request #2 was closed without merging' },
    });
    const labeled = JSON.stringify({
      ...JSON.parse(fixtureText('pull_request.opened.json')),
      action: 'labeled',
    });
    expect(await deliver(labeled)).toMatchObject({
      status: 202,
      body: { reason: 'pull request #2 was labeled, not merged' },
    });
    const push = await deliver('{"ref":"refs/heads/master"}', { event: 'push' });
    expect(push).toMatchObject({ status: 202, body: { reason: expect.stringContaining('"push" events') } });
    expect(h.engine.starts).toEqual([]);
    expect(await runCount()).toBe(before);
  });

  it('starts the workflows run before the merge for an opened pull request, planning its head, and again per push', async () => {
    const opened = JSON.parse(fixtureText('pull_request.opened.json'));
    const first = await deliver(JSON.stringify(opened));
    expect(first).toMatchObject({ status: 202, body: { started: [{ workflow: 'hello-pr-plan' }] } });
    const started = h.engine.starts.at(-1);
    expect(started?.input.run.trigger).toMatchObject({
      type: 'github',
      event: 'pull_request',
      pr: { number: 2, merge_commit: opened.pull_request.head.sha },
    });
    // A redelivery of the same push starts nothing; a new push (synchronize) starts a run for its commit.
    expect(await deliver(JSON.stringify(opened))).toMatchObject({ status: 202, body: { started: [] } });
    const pushed = { ...opened, action: 'synchronize' };
    pushed.pull_request = {
      ...opened.pull_request,
      head: { ...opened.pull_request.head, sha: 'f'.repeat(40) },
    };
    expect(await deliver(JSON.stringify(pushed))).toMatchObject({
      status: 202,
      body: { started: [{ workflow: 'hello-pr-plan' }] },
    });
  });

  it('ignores a merge into a branch no workflow watches, and a repository no workflow watches', async () => {
    const before = await runCount();
    const branch = await deliver(mergedInto('develop'));
    expect(branch).toMatchObject({
      status: 202,
      body: {
        started: [],
        reason: 'no workflow is triggered by merges into develop of Codertocat/Hello-World',
      },
    });
    const repo = await deliver(mergedInto('master', (p) => (p.repository.full_name = 'Codertocat/Other')));
    expect(repo).toMatchObject({ status: 202, body: { started: [] } });
    expect(h.engine.starts).toEqual([]);
    expect(await runCount()).toBe(before);
  });

  it('answers a ping with 200', async () => {
    const ping = fixtureText('ping.json');
    const { status, body, delivery } = await deliver(ping, { event: 'ping' });
    expect(status).toBe(200);
    expect(body).toEqual({ ok: true, event: 'ping', delivery, zen: JSON.parse(ping).zen });
  });

  it('refuses deliveries without X-GitHub-Delivery or X-GitHub-Event, or with a body that is not a pull request', async () => {
    const before = await runCount();
    const noDelivery = await deliver(MERGED, { delivery: null });
    expect(noDelivery).toMatchObject({
      status: 400,
      body: { message: 'X-GitHub-Delivery is missing or not a delivery id' },
    });
    const noEvent = await deliver(MERGED, { event: '' });
    expect(noEvent).toMatchObject({
      status: 400,
      body: { message: 'X-GitHub-Event is missing or not an event name' },
    });
    const badJson = await deliver('{"action":');
    expect(badJson).toMatchObject({ status: 400, body: { message: 'the body is not valid JSON' } });
    const wrongShape = await deliver('{"action":"closed","pull_request":{}}');
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.message).toMatch(/^not a pull_request payload: .*repository/);
    expect(h.engine.starts).toEqual([]);
    expect(await runCount()).toBe(before);
  });

  it('verifies and reads a base64-encoded body (as API Gateway passes binary content)', async () => {
    const { status, body } = await deliver(Buffer.from(mergedInto('master')), { base64: true });
    expect(status).toBe(202);
    expect(body.started).toHaveLength(2);
  });

  // Issue 13: the endpoint accepted text/plain, application/octet-stream and form bodies.
  it('answers 415 to a signed delivery that is not declared JSON, through the local gateway, and starts nothing', async () => {
    const gateway = await startGateway({
      port: 0,
      handlers: { 'github-webhook': (event, context) => handler(event, context) },
    });
    const before = h.engine.starts.length;
    try {
      const form = new URLSearchParams({ payload: MERGED }).toString();
      for (const [type, body] of [
        ['application/x-www-form-urlencoded', form],
        ['text/plain', MERGED],
        ['application/octet-stream', MERGED],
      ] as const) {
        const response = await fetch(`${gateway.url}/webhooks/github`, {
          method: 'POST',
          headers: {
            'content-type': type,
            'x-github-event': 'pull_request',
            'x-github-delivery': newDelivery(),
            'x-hub-signature-256': signBody(body, GITHUB_SECRET),
          },
          body,
        });
        expect(response.status, type).toBe(415);
        expect(((await response.json()) as { message: string }).message).toContain('application/json');
      }
      expect(h.engine.starts).toHaveLength(before);
    } finally {
      await gateway.close();
    }
  });

  it('refuses every delivery when no GitHub secret is configured', async () => {
    h = createTriggerDeps(db, {});
    handler = createGithubWebhookHandler(() => h.deps);
    const { status, body } = await deliver(MERGED);
    expect(status).toBe(401);
    expect(body.message).toContain('no webhook secret is configured');
    expect(h.engine.starts).toEqual([]);
  });

  it('still starts the other workflows when one cannot start, and answers 500 naming it', async () => {
    h.engine.failNext(new Error('Step Functions is down'));
    const { status, body } = await deliver(mergedInto('master'));
    expect(status).toBe(500);
    expect(body).toMatchObject({
      failed: [{ workflow: 'hello-deploy' }],
      started: [{ workflow: 'hello-audit' }],
      message: 'could not start hello-deploy',
    });
    expect(JSON.stringify(body)).not.toContain('Step Functions is down');
  });

  it('never logs the secret or the signature', async () => {
    const signature = signBody(MERGED, GITHUB_SECRET);
    await deliver(MERGED, { signature });
    await deliver(MERGED, { signature: signBody(MERGED, 'wrong') });
    expect(h.logs.join('\n')).not.toContain(GITHUB_SECRET);
    expect(h.logs.join('\n')).not.toContain(signature.slice(7));
    expect(h.logs.some((l) => l.startsWith('info github delivery handled'))).toBe(true);
  });
});

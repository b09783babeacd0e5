import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dedupRunId } from '../../../functions/core/runs/start-run.ts';
import { signBody, signTimestamped } from '../../../functions/core/triggers/hmac-signature.ts';
import { createWebhookHandler } from '../../../functions/webhook/handler.ts';
import { lambdaContext } from '../../../local/gateway.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';
import { createTriggerDeps, httpEvent, PUBLIC_URL, parseResult, SECRETS } from './trigger-harness.ts';

let db: Dynalite;
let h: ReturnType<typeof createTriggerDeps>;
let handler: ReturnType<typeof createWebhookHandler>;

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});
beforeEach(() => {
  h = createTriggerDeps(db);
  handler = createWebhookHandler(() => h.deps);
});

/** Calls `POST /webhooks/{workflow}` with a body signed by that workflow's secret (or as told). */
async function call(
  workflow: string | undefined,
  body: string | Buffer,
  options: {
    secret?: string;
    signature?: string | null;
    key?: string;
    base64?: boolean;
    contentType?: string;
  } = {},
) {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const secret = options.secret ?? SECRETS[`webhook-${workflow}`] ?? 'unknown';
  const signature = options.signature === undefined ? signBody(body, secret) : options.signature;
  if (signature !== null) headers['x-signoff-signature'] = signature;
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  const event = httpEvent({
    path: `/webhooks/${workflow ?? ''}`,
    body,
    headers,
    base64: options.base64 ?? false,
    ...(workflow ? { pathParameters: { workflow } } : {}),
  });
  return parseResult(await handler(event, lambdaContext('signoff-webhook')));
}

async function runCount(): Promise<number> {
  return (await h.runs.list({}, { limit: 100 })).runs.length;
}

/** Asserts that the call started nothing: no execution, no run, no audit event. */
async function expectNothingStarted(action: () => Promise<unknown>): Promise<void> {
  const before = await runCount();
  await action();
  expect(h.engine.starts).toEqual([]);
  expect(await runCount()).toBe(before);
}

describe('POST /webhooks/{workflow}', () => {
  it('starts the workflow with the body as the run input and its reason, audited run_started', async () => {
    const body = JSON.stringify({ version: '1.4.2', reason: 'release 1.4.2', build: { id: 77 } });
    const { status, body: answer } = await call('hook-deploy', body);
    expect(status).toBe(202);
    expect(answer).toEqual({
      status: 'started',
      workflow: 'hook-deploy',
      run_id: expect.any(String),
      run_url: `${PUBLIC_URL}/runs/${answer.run_id}`,
    });
    expect(h.engine.starts).toHaveLength(1);
    expect(h.engine.starts[0]?.input).toEqual({
      run: expect.objectContaining({
        id: answer.run_id,
        workflow: 'hook-deploy',
        trigger: { type: 'webhook' },
        reason: 'release 1.4.2',
        started_by: { email: 'webhook:hook-deploy', name: 'webhook' },
      }),
      input: { version: '1.4.2', reason: 'release 1.4.2', build: { id: 77 } },
    });
    expect(await h.runs.get(answer.run_id)).toMatchObject({
      status: 'RUNNING',
      trigger: { type: 'webhook' },
    });
    const events = await h.audit.readRun(answer.run_id);
    expect(events).toEqual([
      expect.objectContaining({
        action: 'run_started',
        actor: { email: 'webhook:hook-deploy', name: 'webhook' },
        reason: 'release 1.4.2',
        details: expect.objectContaining({ trigger: { type: 'webhook' } }),
      }),
    ]);
  });

  it('returns the same run for a reused Idempotency-Key, with 200, and starts it once', async () => {
    const first = await call('hook-deploy', '{"n":1}', { key: 'deploy-build-981' });
    expect(first.status).toBe(202);
    expect(first.body.run_id).toBe(dedupRunId('hook-deploy', 'deploy-build-981'));
    const second = await call('hook-deploy', '{"n":1}', { key: 'deploy-build-981' });
    expect(second).toMatchObject({ status: 200, body: { status: 'duplicate', run_id: first.body.run_id } });
    expect(h.engine.starts).toHaveLength(1);
    expect(h.engine.starts[0]?.input.run.trigger).toEqual({
      type: 'webhook',
      idempotency_key: 'deploy-build-981',
    });
    expect((await h.audit.readRun(first.body.run_id)).map((e) => e.action)).toEqual(['run_started']);
  });

  // Issue 13: the endpoint accepted text/plain, application/octet-stream and form bodies.
  it('answers 415 to a signed body not declared JSON, and starts nothing', async () => {
    const before = h.engine.starts.length;
    for (const contentType of [
      'text/plain',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
    ]) {
      const response = await call('hook-deploy', '{"n":1}', { contentType });
      expect(response.status, contentType).toBe(415);
      expect(response.body.message).toContain(`got "${contentType}"`);
    }
    expect(h.engine.starts).toHaveLength(before);
    const charset = await call('hook-deploy', '{"n":2}', { contentType: 'application/json; charset=utf-8' });
    expect(charset.status).toBe(202);
  });

  // Issue 13: an identical signed generic webhook without Idempotency-Key started a new run each
  // time it was replayed.
  it('starts one run for a timestamped call, however often it is replayed inside its window', async () => {
    const body = '{"reason":"replayed"}';
    const signature = signTimestamped(body, SECRETS['webhook-hook-deploy'] as string, h.deps.now() / 1000);
    const starts = h.engine.starts.length;
    const first = await call('hook-deploy', body, { signature });
    expect(first.status).toBe(202);
    const replay = await call('hook-deploy', body, { signature });
    expect(replay).toMatchObject({ status: 200, body: { status: 'duplicate', run_id: first.body.run_id } });
    expect(h.engine.starts).toHaveLength(starts + 1);
    // The same body signed at another moment is another call.
    const later = signTimestamped(body, SECRETS['webhook-hook-deploy'] as string, h.deps.now() / 1000 + 1);
    expect((await call('hook-deploy', body, { signature: later })).status).toBe(202);
  });

  it('refuses a timestamped signature outside 5 minutes, over another body, or malformed', async () => {
    const secret = SECRETS['webhook-hook-deploy'] as string;
    const body = '{"n":3}';
    const now = h.deps.now() / 1000;
    const old = await call('hook-deploy', body, { signature: signTimestamped(body, secret, now - 301) });
    expect(old).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('more than 300 seconds') },
    });
    const ahead = await call('hook-deploy', body, { signature: signTimestamped(body, secret, now + 301) });
    expect(ahead.status).toBe(401);
    const other = await call('hook-deploy', body, { signature: signTimestamped('{"n":4}', secret, now) });
    expect(other.body.message).toBe('X-Signoff-Signature does not match the timestamp and the body');
    const malformed = await call('hook-deploy', body, { signature: 't=abc,v1=00' });
    expect(malformed.body.message).toBe('X-Signoff-Signature is not t=<unix seconds>,v1=<hex HMAC-SHA256>');
    // A retried secret rotation: either v1 may match.
    const rotated = `${signTimestamped(body, 'the old secret', now)},v1=${signTimestamped(body, secret, now).split('v1=')[1]}`;
    expect((await call('hook-deploy', body, { signature: rotated })).status).toBe(202);
  });

  it('still accepts the sha256= signature of the last release, and logs that it is deprecated', async () => {
    expect((await call('hook-deploy', '{"n":5}')).status).toBe(202);
    expect(h.logs.some((l) => l.includes('deprecated, send t=...,v1=...'))).toBe(true);
  });

  it('starts a new run for each call without an Idempotency-Key', async () => {
    const a = await call('hook-deploy', '{}');
    const b = await call('hook-deploy', '{}');
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.run_id).not.toBe(b.body.run_id);
    expect(h.engine.starts).toHaveLength(2);
  });

  it("uses the trigger's own secret name when the workflow sets one", async () => {
    const ok = await call('hook-custom', '{}', { secret: 'custom-hook-secret' });
    expect(ok.status).toBe(202);
    h.engine.starts.length = 0;
    await expectNothingStarted(async () => {
      const wrong = await call('hook-custom', '{}', { secret: 'webhook-hook-custom' });
      expect(wrong.status).toBe(401);
    });
  });

  it('refuses a missing, bad or other-workflow signature with 401', async () => {
    await expectNothingStarted(async () => {
      expect(await call('hook-deploy', '{}', { signature: null })).toMatchObject({
        status: 401,
        body: { message: 'X-Signoff-Signature is missing' },
      });
      expect(await call('hook-deploy', '{}', { signature: 'sha256=00' })).toMatchObject({
        status: 401,
        body: { message: 'X-Signoff-Signature does not match the body' },
      });
      expect((await call('hook-deploy', '{}', { secret: SECRETS['custom-hook'] as string })).status).toBe(
        401,
      );
      expect(
        (await call('hook-deploy', '{"a":2}', { signature: signBody('{"a":1}', 'hook-deploy-secret') }))
          .status,
      ).toBe(401);
    });
  });

  it('refuses malformed JSON and bodies that are not objects with 400', async () => {
    await expectNothingStarted(async () => {
      expect(await call('hook-deploy', '{"version":')).toMatchObject({
        status: 400,
        body: { message: 'the body is not valid JSON' },
      });
      expect(await call('hook-deploy', '[1,2]')).toMatchObject({
        status: 400,
        body: { message: 'the body must be a JSON object' },
      });
      expect(await call('hook-deploy', '{"reason":["x"]}')).toMatchObject({
        status: 400,
        body: { message: 'reason must be a string' },
      });
    });
  });

  it('refuses a body over 64 KB with 413, even when signed', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(64 * 1024) });
    await expectNothingStarted(async () => {
      expect(await call('hook-deploy', big)).toMatchObject({
        status: 413,
        body: { message: 'the body is larger than 65536 bytes' },
      });
    });
  });

  it('refuses a bad Idempotency-Key with 400', async () => {
    await expectNothingStarted(async () => {
      expect(await call('hook-deploy', '{}', { key: 'k'.repeat(201) })).toMatchObject({
        status: 400,
        body: { message: 'Idempotency-Key must be 1 to 200 printable ASCII characters' },
      });
    });
  });

  it('answers 404 alike for an unknown workflow and one without a webhook trigger', async () => {
    await expectNothingStarted(async () => {
      const unknown = await call('no-such-workflow', '{}');
      expect(unknown).toEqual(
        expect.objectContaining({
          status: 404,
          body: { message: 'no workflow named "no-such-workflow" accepts webhooks' },
        }),
      );
      // Signed with the right secret: still nothing, since the workflow has no webhook trigger.
      const manual = await call('manual-only', '{}');
      expect(manual).toEqual(
        expect.objectContaining({
          status: 404,
          body: { message: 'no workflow named "manual-only" accepts webhooks' },
        }),
      );
      expect((await call(undefined, '{}')).status).toBe(404);
    });
  });

  it('audits a production workflow without a gate as bypass_started', async () => {
    const { status, body } = await call('hook-emergency', '{"reason":"CVE-2026-0001 hotfix"}');
    expect(status).toBe(202);
    expect(await h.audit.readRun(body.run_id)).toEqual([
      expect.objectContaining({
        action: 'bypass_started',
        reason: 'CVE-2026-0001 hotfix',
        details: expect.objectContaining({ review: 'post-incident review required' }),
      }),
    ]);
  });

  it('verifies and reads a base64-encoded body', async () => {
    const { status, body } = await call('hook-deploy', Buffer.from('{"from":"base64"}'), { base64: true });
    expect(status).toBe(202);
    expect(h.engine.starts[0]?.input.input).toEqual({ from: 'base64' });
    expect(body.status).toBe('started');
  });

  it('refuses calls when the workflow secret is not configured, naming only the secret in the log', async () => {
    h = createTriggerDeps(db, {});
    handler = createWebhookHandler(() => h.deps);
    await expectNothingStarted(async () => {
      const { status, body } = await call('hook-deploy', '{}', { secret: 'anything' });
      expect(status).toBe(401);
      expect(body.message).toContain('no webhook secret is configured');
    });
    expect(h.logs.join('\n')).toContain('"secret":"webhook-hook-deploy"');
  });

  it('answers a generic 500 when starting the execution fails, and records the run as failed', async () => {
    h.engine.failNext(new Error('ThrottlingException: rate exceeded'));
    const { status, body } = await call('hook-deploy', '{}', { key: 'fails-once' });
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('Throttling');
    expect(await h.runs.get(dedupRunId('hook-deploy', 'fails-once'))).toMatchObject({
      status: 'FAILED',
      error: 'StartFailed',
    });
    expect(h.logs.some((l) => l.startsWith('error webhook failed'))).toBe(true);
  });
});

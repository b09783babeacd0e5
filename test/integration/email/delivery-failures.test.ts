import '../../../local/polyfills.ts';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as apiHandler } from '../../../functions/api/handler.ts';
import { castVote } from '../../../functions/core/approval/cast-vote.ts';
import { createApiToken } from '../../../functions/core/auth/api-tokens.ts';
import type { Gate } from '../../../functions/core/ports.ts';
import type { RunView } from '../../../functions/core/runs/run-view.ts';
import { setDeps } from '../../../functions/wiring/scope.ts';
import { lambdaContext } from '../../../local/gateway.ts';
import { requestInput, runInfo } from '../../support/approval-fixtures.ts';
import { linkIn, postForm, signInByEmail, startWebHarness, type WebHarness } from '../web/web-harness.ts';

// SES in its sandbox: only the sender and Alice and Bob are verified identities.
const VERIFIED = ['signoff@acme.com', 'alice@acme.com', 'bob@acme.com'];
const NOT_VERIFIED = (address: string) =>
  `MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: ${address}`;

let h: WebHarness;
let gateId: string;
let runId: string;

beforeAll(async () => {
  h = await startWebHarness({ verified: VERIFIED });
  runId = runInfo({ id: 'run-sandbox-1' }).id;
  gateId = await h.openGate(requestInput({}, runInfo({ id: runId })));
});

afterAll(async () => {
  setDeps(undefined);
  await h?.stop();
});

const signIn = (email: string) => signInByEmail(h, email);

/** GET through the API Lambda's handler, as the given directory user. */
async function apiGet(as: string, routeKey: string, rawPath: string, pathParameters: Record<string, string>) {
  setDeps(h.deps);
  const token = await createApiToken(h.deps, as, 'test');
  const event = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: { authorization: `Bearer ${token}` },
    pathParameters,
    requestContext: { http: { method: 'GET', path: rawPath } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const result = (await apiHandler(event, lambdaContext('api'))) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(String(result.body)) as unknown };
}

describe('email refused by the SES sandbox', () => {
  it('still opens the gate and mails the verified approvers', async () => {
    const gate = (await h.deps.gates.get(gateId)) as Gate;
    expect(gate.status).toBe('pending');
    const mails = (await h.ses.emails()).filter((m) => m.body.text?.includes(runId));
    expect(mails.map((m) => m.destination.to[0]).sort()).toEqual(['alice@acme.com', 'bob@acme.com']);
    expect(h.sandbox?.rejected.map((r) => r.identities).sort()).toEqual([
      ['carol@acme.com'],
      ['dave@acme.com'],
    ]);
  });

  it('records each refused recipient on the gate with SES’s reason', async () => {
    const gate = (await h.deps.gates.get(gateId)) as Gate;
    const failures = [...(gate.delivery_failures ?? [])].sort((a, b) => a.to.localeCompare(b.to));
    expect(failures).toEqual([
      {
        channel: 'email',
        to: 'carol@acme.com',
        reason: NOT_VERIFIED('carol@acme.com'),
        at: '2026-11-25T10:00:00.000Z',
      },
      {
        channel: 'email',
        to: 'dave@acme.com',
        reason: NOT_VERIFIED('dave@acme.com'),
        at: '2026-11-25T10:00:00.000Z',
      },
    ]);
  });

  it('audits notification_failed for each, after requested', async () => {
    const events = await h.deps.auditQuery.readRun(runId);
    expect(events.map((e) => e.action)).toEqual(['requested', 'notification_failed', 'notification_failed']);
    const failed = events.filter((e) => e.action === 'notification_failed');
    expect(failed.map((e) => e.reason).sort()).toEqual([
      `Email to carol@acme.com failed: ${NOT_VERIFIED('carol@acme.com')}`,
      `Email to dave@acme.com failed: ${NOT_VERIFIED('dave@acme.com')}`,
    ]);
    for (const e of failed) {
      expect(e.actor).toEqual({ email: 'system:notifier', name: 'Notifier' });
      expect(e.channel).toBe('email');
      expect(e.gate_id).toBe(gateId);
    }
    expect(failed.map((e) => e.details?.recipient).sort()).toEqual(['carol@acme.com', 'dave@acme.com']);
  });

  it('shows the failures on the approval page an emailed link opens', async () => {
    const alice = (await h.ses.emails()).find(
      (m) => m.destination.to[0] === 'alice@acme.com' && m.body.text?.includes(runId),
    );
    const page = await (
      await fetch(linkIn(alice?.body.text ?? '', `${h.url}/approvals/${gateId}?t=`))
    ).text();
    expect(page).toContain('Not everyone was told');
    expect(page).toContain(`Email to carol@acme.com failed: ${NOT_VERIFIED('carol@acme.com')}`);
    expect(page).toContain(`Email to dave@acme.com failed: ${NOT_VERIFIED('dave@acme.com')}`);
  });

  it('shows the failures on the run page and lists them on the audit page', async () => {
    const cookie = await signIn('alice@acme.com');
    const run = await (await fetch(`${h.url}/runs/${runId}`, { headers: { cookie } })).text();
    expect(run).toContain('Not everyone was told');
    expect(run).toContain(`Email to carol@acme.com failed: ${NOT_VERIFIED('carol@acme.com')}`);
    const audit = await (await fetch(`${h.url}/audit`, { headers: { cookie } })).text();
    expect(audit).toContain('<span class="status st-rejected">Notification failed</span>');
    expect(audit).toContain(`Email to dave@acme.com failed: ${NOT_VERIFIED('dave@acme.com')}`);
  });

  it('carries the failures in the API’s run view', async () => {
    const { status, body } = await apiGet('bob@acme.com', 'GET /api/runs/{runId}', `/api/runs/${runId}`, {
      runId,
    });
    expect(status).toBe(200);
    const view = body as RunView;
    expect(view.gates.map((g) => g.gate.delivery_failures?.map((f) => f.to).sort())).toEqual([
      ['carol@acme.com', 'dave@acme.com'],
    ]);
    expect(view.gates[0]?.gate.delivery_failures?.[0]?.reason).toMatch(
      /^MessageRejected: Email address is not verified/,
    );
  });

  it('counts votes as usual: the failures change nothing about the gate', async () => {
    const first = await castVote(h.deps, {
      gateId,
      voter: 'alice@acme.com',
      decision: 'approve',
      channel: 'web',
    });
    expect(first).toMatchObject({ kind: 'counted', status: 'pending' });
    const second = await castVote(h.deps, {
      gateId,
      voter: 'bob@acme.com',
      decision: 'approve',
      channel: 'web',
    });
    expect(second).toMatchObject({ kind: 'counted', status: 'approved' });
  });
});

describe('sign-in email refused by the SES sandbox', () => {
  it('says plainly that the email was not sent, with SES’s reason, for a directory address', async () => {
    const response = await postForm(`${h.url}/signin`, { email: 'carol@acme.com', next: '/runs' });
    expect(response.status).toBe(502);
    const page = await response.text();
    expect(page).toContain('We could not send the email');
    expect(page).toContain(`We could not send the sign-in email: ${NOT_VERIFIED('carol@acme.com')}`);
    expect(page).toContain('Ask a signoff admin');
    expect(page).not.toContain('Check your email');
  });

  it('gives an unknown address the same generic answer as a delivered one', async () => {
    const unknown = await postForm(`${h.url}/signin`, { email: 'mallory@example.com', next: '/runs' });
    const delivered = await postForm(`${h.url}/signin`, { email: 'bob@acme.com', next: '/runs' });
    expect(unknown.status).toBe(200);
    expect(delivered.status).toBe(200);
    expect(await unknown.text()).toBe(await delivered.text());
  });
});

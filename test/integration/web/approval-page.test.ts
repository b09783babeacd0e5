import '../../../local/polyfills.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainGate } from '../../../functions/core/approval/drain-gate.ts';
import { signCapability } from '../../../functions/core/auth/capability.ts';
import { requestInput, runInfo, T0 } from '../../support/approval-fixtures.ts';
import { linkIn, postForm, SIGNING_KEY, startWebHarness, type WebHarness } from './web-harness.ts';

let h: WebHarness;

beforeAll(async () => {
  h = await startWebHarness();
});

afterAll(async () => {
  await h?.stop();
});

const PLAN_JSON = {
  format_version: '1.2',
  resource_changes: [
    {
      address: 'aws_vpc.main',
      mode: 'managed',
      type: 'aws_vpc',
      name: 'main',
      change: {
        actions: ['update'],
        before: { cidr_block: '10.0.0.0/16', tags: { env: 'prod' } },
        after: { cidr_block: '10.1.0.0/16', tags: { env: 'prod' } },
        after_unknown: {},
      },
    },
    {
      address: 'aws_db_instance.main',
      mode: 'managed',
      type: 'aws_db_instance',
      name: 'main',
      change: {
        actions: ['create'],
        before: null,
        after: { password: 'hunter2-secret', engine: 'postgres' },
        after_unknown: { arn: true },
        after_sensitive: { password: true },
      },
    },
  ],
};

async function gateWithLink(runId: string, email = 'alice@acme.com') {
  const input = requestInput({}, runInfo({ id: runId }));
  await h.deps.artifacts.put(input.data.plan?.artifacts.plan_json ?? '', JSON.stringify(PLAN_JSON));
  const gateId = await h.openGate(input);
  const mail = (await h.ses.emails()).find(
    (m) => m.destination.to[0] === email && m.body.text?.includes(runId),
  );
  return { gateId, link: linkIn(mail?.body.text ?? '', `${h.url}/approvals/${gateId}?t=`) };
}

describe('GET /approvals/{gateId}', () => {
  it('shows the plan, cost and form, and changes nothing (mail scanners follow links)', async () => {
    const { gateId, link } = await gateWithLink('run-page-get');
    for (let i = 0; i < 3; i++) {
      const response = await fetch(link);
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).toContain('aws_vpc.main');
      expect(body).toContain('act-update');
      expect(body).toContain('aws_db_instance.main');
      expect(body).toContain('(sensitive)');
      expect(body).not.toContain('hunter2-secret');
      expect(body).toContain('(known after apply)');
      expect(body).toContain('+$45.20/month');
      expect(body).toContain('0 of 2 approvals');
      expect(body).toMatch(/<button type="submit" name="decision" value="approve"/);
      expect(body).not.toContain('<script');
    }
    const gate = await h.deps.gates.get(gateId);
    expect(gate?.status).toBe('pending');
    expect(gate?.approved_by).toEqual([]);
    expect(await h.deps.votes.list(gateId)).toEqual([]);
    const audit = await h.deps.auditQuery.readRun('run-page-get');
    expect(audit.map((e) => e.action)).toEqual(['requested']);
  });

  it('sends the security headers: CSP without scripts, no framing, no referrer', async () => {
    const { link } = await gateWithLink('run-page-headers');
    const response = await fetch(link);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('content-security-policy')).not.toContain('script-src');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a forged or tampered link with a clear 400 page', async () => {
    const { gateId, link } = await gateWithLink('run-page-forged');
    const forged = await signCapability(
      new TextEncoder().encode('another-key-another-key-another-key!!'),
      { gateId, email: 'alice@acme.com', expiresAt: new Date(T0 + 3600_000) },
      T0,
    );
    for (const url of [
      `${h.url}/approvals/${gateId}?t=${forged}`,
      `${link.slice(0, -4)}AAAA`,
      `${h.url}/approvals/${gateId}`,
    ]) {
      const response = await fetch(url);
      expect(response.status).toBe(400);
      const body = await response.text();
      expect(body).toMatch(/approval link is (not valid|incomplete)/);
      expect(body).not.toMatch(/at \w+ \(|node_modules|Error:/);
    }
  });

  it('refuses an expired link with 410, and a link for another gate', async () => {
    const { link } = await gateWithLink('run-page-expired');
    const other = await gateWithLink('run-page-other');
    const t = new URL(link).searchParams.get('t') ?? '';
    const wrong = await fetch(`${h.url}/approvals/${other.gateId}?t=${t}`);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('different approval request');
    h.clock.advance(5 * 3600_000);
    try {
      const response = await fetch(link);
      expect(response.status).toBe(410);
      expect(await response.text()).toContain('This approval link has expired.');
    } finally {
      h.clock.advance(-5 * 3600_000);
    }
  });

  it('answers 404 for an unknown gate', async () => {
    const key = new TextEncoder().encode(SIGNING_KEY);
    const gateId = 'g_000000000000000000000000';
    const t = await signCapability(
      key,
      { gateId, email: 'alice@acme.com', expiresAt: new Date(T0 + 3600_000) },
      T0,
    );
    const response = await fetch(`${h.url}/approvals/${gateId}?t=${t}`);
    expect(response.status).toBe(404);
  });
});

describe('POST /approvals/{gateId}', () => {
  it('counts an approval with its comment through castVote (channel email)', async () => {
    const { gateId, link } = await gateWithLink('run-page-post');
    const t = new URL(link).searchParams.get('t') ?? '';
    const response = await postForm(`${h.url}/approvals/${gateId}`, {
      t,
      decision: 'approve',
      comment: 'Looks good <b>ship it</b>',
    });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('Your approval is counted.');
    expect(body).toContain('1 of 2 approvals');
    expect(body).toContain('Looks good &lt;b&gt;ship it&lt;/b&gt;');
    const gate = await h.deps.gates.get(gateId);
    expect(gate?.approved_by).toEqual([
      expect.objectContaining({ email: 'alice@acme.com', channel: 'email' }),
    ]);
    const audit = await h.deps.auditQuery.readRun('run-page-post');
    expect(audit.at(-1)).toMatchObject({
      action: 'approved',
      channel: 'email',
      comment: 'Looks good <b>ship it</b>',
    });

    // The same link again: refused, one person counts once.
    const again = await postForm(`${h.url}/approvals/${gateId}`, { t, decision: 'approve' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('You already approved');
    const page = await (await fetch(link)).text();
    expect(page).toContain('You already approved this gate');
    expect(page).not.toContain('name="decision"');
  });

  it('closes the gate on the second approval and tells the engine', async () => {
    const { gateId, link } = await gateWithLink('run-page-close');
    const bob = (await h.ses.emails()).find(
      (m) => m.destination.to[0] === 'bob@acme.com' && m.body.text?.includes('run-page-close'),
    );
    const bobLink = linkIn(bob?.body.text ?? '', `${h.url}/approvals/${gateId}?t=`);
    await postForm(`${h.url}/approvals/${gateId}`, {
      t: new URL(link).searchParams.get('t') ?? '',
      decision: 'approve',
    });
    const response = await postForm(`${h.url}/approvals/${gateId}`, {
      t: new URL(bobLink).searchParams.get('t') ?? '',
      decision: 'approve',
    });
    expect(await response.text()).toContain('Approved.');
    expect((await h.deps.gates.get(gateId))?.status).toBe('approved');
    expect(h.engine.calls).toContainEqual(
      expect.objectContaining({ kind: 'success', token: 'token-run-page-close' }),
    );
    const page = await (await fetch(link)).text();
    expect(page).toContain('This gate was approved at');
    expect(page).not.toContain('value="approve"');
  });

  it('answers the POST before the drain with votes left to the drainer, which then delivers them once', async () => {
    const { gateId, link } = await gateWithLink('run-page-outbox');
    const bob = (await h.ses.emails()).find(
      (m) => m.destination.to[0] === 'bob@acme.com' && m.body.text?.includes('run-page-outbox'),
    );
    const bobLink = linkIn(bob?.body.text ?? '', `${h.url}/approvals/${gateId}?t=`);
    h.deps.voteEffects = 'outbox';
    try {
      const first = await postForm(`${h.url}/approvals/${gateId}`, {
        t: new URL(link).searchParams.get('t') ?? '',
        decision: 'approve',
      });
      expect(await first.text()).toContain('1 of 2 approvals');
      const closing = await postForm(`${h.url}/approvals/${gateId}`, {
        t: new URL(bobLink).searchParams.get('t') ?? '',
        decision: 'approve',
      });
      expect(await closing.text()).toContain('Approved.');
    } finally {
      delete h.deps.voteEffects;
    }
    const approvals = async () =>
      (await h.deps.auditQuery.readRun('run-page-outbox')).filter((e) => e.action === 'approved');
    const engineCalls = () => h.engine.calls.filter((c) => c.token === 'token-run-page-outbox');
    expect(await approvals()).toEqual([]);
    expect(engineCalls()).toEqual([]);
    expect((await h.deps.gates.readOutbox(gateId))?.outbox.map((e) => e.id)).toEqual([
      'vote#alice@acme.com',
      'vote#bob@acme.com',
    ]);

    await drainGate(h.deps, gateId);
    await drainGate(h.deps, gateId);
    expect((await approvals()).map((e) => [e.actor.email, e.channel])).toEqual([
      ['alice@acme.com', 'email'],
      ['bob@acme.com', 'email'],
    ]);
    expect(engineCalls()).toEqual([expect.objectContaining({ kind: 'success' })]);
  });

  it('refuses a post from another site and a missing decision, changing nothing', async () => {
    const { gateId, link } = await gateWithLink('run-page-csrf');
    const t = new URL(link).searchParams.get('t') ?? '';
    const cross = await postForm(
      `${h.url}/approvals/${gateId}`,
      { t, decision: 'approve' },
      undefined,
      'https://evil.example',
    );
    expect(cross.status).toBe(403);
    const oldBrowser = await fetch(`${h.url}/approvals/${gateId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ t, decision: 'approve' }).toString(),
    });
    expect(oldBrowser.status).toBe(403);
    const none = await postForm(`${h.url}/approvals/${gateId}`, { t });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('Choose Approve or Reject.');
    const json = await fetch(`${h.url}/approvals/${gateId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ t, decision: 'approve' }),
    });
    expect(json.status).toBe(415);
    expect((await h.deps.gates.get(gateId))?.approved_by).toEqual([]);
  });

  it('refuses a forged capability on POST', async () => {
    const { gateId } = await gateWithLink('run-page-post-forged');
    const response = await postForm(`${h.url}/approvals/${gateId}`, {
      t: 'eyJhbGciOiJub25lIn0.e30.',
      decision: 'approve',
    });
    expect(response.status).toBe(400);
    expect((await h.deps.gates.get(gateId))?.approved_by).toEqual([]);
  });
});

/**
 * Sign-in through the local identity provider, end to end on the local runtime: people whose
 * role and teams come only from their IdP groups sign in, are asked on a gate, and vote from the
 * web; the groups decide who may approve, a removal at the IdP counts from the next sign-in, and
 * a replayed sign-in or a person without a role is refused with a page and an audit event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_ACTION } from '../../../functions/core/slack/slack-actions.ts';
import { localSlackId } from '../../../local/slack/local-slack.ts';
import { blockActionsPayload, signedInteraction } from '../../../local/slack/slack-click.ts';
import { CookieBrowser, type Landing } from '../../support/cookie-browser.ts';
import { createIdpFixtureRoot } from '../../support/idp-fixture.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

let rt: TestRuntime;

beforeAll(async () => {
  const root = createIdpFixtureRoot('oidc');
  rt = await startTestRuntime({ root, idp: 'dev', idpPort: 0 });
}, 120_000);

afterAll(async () => {
  await rt?.stop();
});

function pageOf(landing: Landing): { page: string; status: number; url: URL } {
  if (!('page' in landing)) throw new Error(`stopped at ${landing.callback}`);
  return landing;
}

/** Signs in through the IdP's login page as `email`; returns where the browser landed. */
async function signIn(browser: CookieBrowser, email: string, next = '/runs'): Promise<Landing> {
  const login = pageOf(await browser.go(`${rt.url}/signin/oidc?next=${encodeURIComponent(next)}`));
  if (!login.url.pathname.startsWith('/interaction/')) return login; // signed in silently (live IdP session)
  const action = /<form method="post" action="([^"]+)"/.exec(login.page)?.[1];
  if (!action) throw new Error(`no login form at ${login.url}:\n${login.page}`);
  return browser.post(new URL(action, login.url), { account: email });
}

async function auditOf(runId: string) {
  return rt.deps.auditQuery.readRun(runId);
}

const signinTrail = () => `signin-${new Date().toISOString().slice(0, 10)}`;

/** Votes from the run page with the session's CSRF token. */
async function voteFromRunPage(browser: CookieBrowser, runId: string, gateId: string) {
  const run = pageOf(await browser.go(`${rt.url}/runs/${runId}`));
  const csrf = /name="csrf" value="([^"]+)"/.exec(run.page)?.[1];
  if (!csrf) throw new Error(`no CSRF token on the run page (${run.status})`);
  return pageOf(await browser.post(`${rt.url}/runs/${runId}`, { csrf, gate: gateId, decision: 'approve' }));
}

describe('sign-in through the local identity provider', () => {
  it('offers the identity provider on the sign-in page, and no emailed links', async () => {
    const page = pageOf(await new CookieBrowser().go(`${rt.url}/signin`));
    expect(page.page).toContain('Sign in with the local IdP');
    expect(page.page).not.toContain('Email me a sign-in link');
  });

  it('signs in people whose role comes from their groups; the groups decide who approves, and a removal counts from the next sign-in', async () => {
    const kim = new CookieBrowser();
    const landed = pageOf(await signIn(kim, 'kim@acme.com'));
    expect(landed.url.pathname).toBe('/runs');
    expect(landed.status).toBe(200);
    expect(kim.cookies.has('signoff_session')).toBe(true);
    expect(kim.cookies.has('signoff_oidc')).toBe(false);
    const record = await rt.deps.identities.get('kim@acme.com');
    expect(record?.groups).toEqual(['okta-platform-leads', 'okta-engineering']);
    const lee = new CookieBrowser();
    pageOf(await signIn(lee, 'lee@acme.com'));

    const run = await rt.startRun('jane@acme.com', 'deploy');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const gate = await rt.deps.gates.get(gateId);
    expect(gate?.approvers.map((a) => a.email)).toEqual(['kim@acme.com']);

    // Lee is a developer through okta-engineering, but not in platform-leads.
    const refused = await voteFromRunPage(lee, run.id, gateId);
    expect(refused.status).toBe(403);
    expect(refused.page).toContain('is not an approver of this gate (approvers: team:platform-leads)');

    // Kim leaves okta-platform-leads at the IdP; her next sign-in says so, and her vote is refused.
    rt.idp?.setGroups('kim@acme.com', ['okta-engineering']);
    pageOf(await signIn(kim, 'kim@acme.com'));
    const removed = await voteFromRunPage(kim, run.id, gateId);
    expect(removed.status).toBe(403);
    expect(removed.page).toContain('no longer an approver of this gate');

    // Back in the group, signed in again: her vote counts and the run applies.
    rt.idp?.setGroups('kim@acme.com', ['okta-platform-leads', 'okta-engineering']);
    pageOf(await signIn(kim, 'kim@acme.com'));
    const counted = await voteFromRunPage(kim, run.id, gateId);
    expect(counted.status).toBe(200);
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    const approved = (await auditOf(run.id)).find((e) => e.action === 'approved');
    expect(approved).toMatchObject({ actor: { email: 'kim@acme.com', name: 'Kim Lead' }, channel: 'web' });

    const signins = await auditOf(signinTrail());
    const kims = signins.filter((e) => e.action === 'signed_in' && e.actor.email === 'kim@acme.com');
    expect(kims).toHaveLength(3);
    expect(kims[1]?.details).toMatchObject({ role: 'developer', teams_from_idp: [] });
    expect(kims[2]?.details).toMatchObject({ role: 'developer', teams_from_idp: ['platform-leads'] });
  }, 120_000);

  it('refuses a person whose groups give no role, with a page and an audit event', async () => {
    const uma = new CookieBrowser();
    const page = pageOf(await signIn(uma, 'uma@acme.com'));
    expect(page.status).toBe(403);
    expect(page.page).toContain('none of your groups gives you a role in signoff');
    expect(page.page).toContain('You are not signed in');
    expect(uma.cookies.has('signoff_session')).toBe(false);
    const refused = (await auditOf(signinTrail())).find(
      (e) => e.action === 'signin_refused' && e.actor.email === 'uma@acme.com',
    );
    expect(refused?.details).toMatchObject({ code: 'no_role' });
  });

  it('refuses a replayed sign-in (the same callback twice) with a page and an audit event', async () => {
    const browser = new CookieBrowser(`${rt.url}/signin/oidc/callback`);
    const login = pageOf(await browser.go(`${rt.url}/signin/oidc?next=/runs`));
    const action = /<form method="post" action="([^"]+)"/.exec(login.page)?.[1] ?? '';
    const back = await browser.post(new URL(action, login.url), { account: 'lee@acme.com' });
    if (!('callback' in back)) throw new Error('expected the callback');
    const stateCookie = browser.cookies.get('signoff_oidc')?.value ?? '';
    const first = await fetch(back.callback, {
      headers: { cookie: `signoff_oidc=${stateCookie}` },
      redirect: 'manual',
    });
    expect(first.status).toBe(303);
    const replay = await fetch(back.callback, {
      headers: { cookie: `signoff_oidc=${stateCookie}` },
      redirect: 'manual',
    });
    expect(replay.status).toBe(410);
    expect(await replay.text()).toContain('This sign-in was already completed');
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('signoff_session='))).toBe(false);
    const refused = (await auditOf(signinTrail())).filter(
      (e) => e.action === 'signin_refused' && (e.details as { code?: string }).code === 'state_replayed',
    );
    expect(refused).toHaveLength(1);
  });

  it('a require_signin gate refuses a Slack click until the clicker has signed in within max_age, then counts the vote once, with auth_time and amr', async () => {
    // Kim has signed in (her record makes her a platform lead), but not for this gate's sake yet.
    pageOf(await signIn(new CookieBrowser(), 'kim@acme.com'));
    const run = await rt.startRun('jane@acme.com', 'deploy-strict');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');

    // The Slack message has no Approve button: it leads to the sign-in.
    const slack = async () =>
      (await (await fetch(`${rt.url}/dev/slack/messages.json`)).json()) as {
        messages: { blocks?: unknown }[];
        ephemerals: { text?: string }[];
      };
    // The message is posted after the gate opens: wait for it.
    const [message] = await eventually(async () =>
      (await slack()).messages.filter((m) => JSON.stringify(m.blocks ?? []).includes(run.id)),
    );
    const card = JSON.stringify(message?.blocks ?? []);
    expect(card).toContain('Sign in to approve or reject');
    expect(card).toContain(`/signin/oidc?max_age=900&next=${encodeURIComponent(`/runs/${run.id}`)}`);
    expect(card).not.toContain('signoff_approve');

    // A click on an Approve button all the same (an older message, a crafted request) is refused and audited.
    const click = () => slackClick('kim@acme.com', gateId);
    expect((await click()).status).toBe(200);
    expect((await rt.deps.gates.get(gateId))?.approved_by).toEqual([]);
    // The refusal's audit event is written by the drainer, after the answer.
    const refusals = await eventually(async () =>
      (await auditOf(run.id)).filter((e) => e.action === 'refused'),
    );
    expect(refusals.map((e) => (e.details as { code?: string }).code)).toEqual(['fresh_signin_required']);
    const [told = ''] = await eventually(async () =>
      (await slack()).ephemerals.map((e) => e.text ?? '').filter((t) => t.includes('was not counted')),
    );
    expect(told).toContain('was not counted');
    expect(told).toContain(`${rt.url}/signin/oidc?max_age=900`);

    // Kim signs in (ticking the second factor), lands on the run and approves there.
    const kim = new CookieBrowser();
    const login = pageOf(
      await kim.go(`${rt.url}/signin/oidc?max_age=900&next=${encodeURIComponent(`/runs/${run.id}`)}`),
    );
    const action = /<form method="post" action="([^"]+)"/.exec(login.page)?.[1] ?? '';
    const landed = pageOf(
      await kim.post(new URL(action, login.url), { account: 'kim@acme.com', mfa: 'yes' }),
    );
    expect(landed.url.pathname).toBe(`/runs/${run.id}`);
    expect((await voteFromRunPage(kim, run.id, gateId)).status).toBe(200);

    // Counted once: a later click is refused, and the approval carries what the IdP said.
    await click();
    // Audited by the drainer once the run has gone on.
    await rt.waitFor('jane@acme.com', run.id, () => false);
    const approvals = (await auditOf(run.id)).filter((e) => e.action === 'approved');
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({ actor: { email: 'kim@acme.com' }, channel: 'web' });
    expect(approvals[0]?.details).toMatchObject({ idp: rt.idp?.issuer, amr: ['pwd', 'otp'] });
    const details = (approvals[0]?.details ?? {}) as { auth_time?: string };
    const authTime = Date.parse(String(details.auth_time));
    expect(Date.now() - authTime).toBeLessThan(120_000);
  }, 120_000);
});

/** Polls `read` until it gives a non-empty list (at most 10 s). */
async function eventually<T>(read: () => Promise<T[]>): Promise<T[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = await read();
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A signed click on the Approve button of a gate's Slack message, as the person's local Slack user. */
async function slackClick(email: string, gateId: string): Promise<Response> {
  const secret = (await rt.deps.secrets.get('slack-signing-secret')) ?? '';
  const request = signedInteraction(
    secret,
    blockActionsPayload({
      userId: localSlackId({ email }),
      actionId: SLACK_ACTION.approve,
      value: gateId,
      channel: 'deploys',
      messageTs: '1.000001',
    }),
  );
  return fetch(`${rt.url}/slack/interactions`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
}

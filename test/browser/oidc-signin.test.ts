/**
 * Sign-in through the local identity provider in a real browser (Debian's chromium through
 * playwright-core) against the local runtime: a signed-out visitor is sent to the sign-in page,
 * on to the provider's login page and back signed in; IdP groups make Kim a platform lead who
 * approves from the web, while Lee, only an engineer, is refused; a gate that requires a recent
 * sign-in offers no vote to the emailed link nor to a session signed in too long ago, and after a
 * step-up sign-in counts the vote with the sign-in's time and second factor in its audit event.
 * Both sign-in pages hold at phone width and meet WCAG AA contrast. Screenshots land in
 * test-results/browser/.
 */
import '../../local/polyfills.ts';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authKey } from '../../functions/core/auth/auth-store.ts';
import {
  contrastFailures,
  launchBrowser,
  layoutOverflows,
  linkIn,
  newContext,
  PHONE,
  shot,
  waitForEmail,
} from '../support/browser.ts';
import { createIdpFixtureRoot } from '../support/idp-fixture.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let root: string;
let runtime: TestRuntime;
let browser: Browser;
/** Kim's browser: signed in through the provider with a second factor. */
let kim: Page;

/** The local identity provider's login page: this is where a sign-in waits for a person. */
function onIdpLogin(url: URL): boolean {
  return url.origin === runtime.idp?.issuer && url.pathname.startsWith('/interaction/');
}

/** From signoff's sign-in page, through the provider's login page as `name` (no MFA), back to signoff. */
async function signInThroughIdp(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name: 'Sign in with the local IdP' }).click();
  await page.waitForURL(onIdpLogin);
  await page.getByRole('button', { name }).click();
  await page.waitForURL((url) => url.origin === runtime.url && !url.pathname.startsWith('/signin'));
}

/** Moves back the IdP sign-in of the page's signoff session by `seconds`, as if it were that old. */
async function ageSignin(page: Page, seconds: number): Promise<void> {
  const cookie = (await page.context().cookies(runtime.url)).find((c) => c.name === 'signoff_session');
  const record = await runtime.deps.auth.take(authKey('session', cookie?.value ?? ''));
  if (!record?.signin?.auth_time) throw new Error('the page has no session signed in through the provider');
  record.signin.auth_time -= seconds;
  await runtime.deps.auth.putIfAbsent(record);
}

/** Kim's sign-ins today, from the sign-in audit trail. */
async function kimSignins() {
  const trail = `signin-${new Date().toISOString().slice(0, 10)}`;
  return (await runtime.deps.auditQuery.readRun(trail)).filter(
    (e) => e.action === 'signed_in' && e.actor.email === 'kim@acme.com',
  );
}

/** Nothing sticks out at 375 px and all text meets WCAG AA contrast. */
async function checkLayout(page: Page): Promise<void> {
  const where = page.url();
  expect({ where, overflows: await layoutOverflows(page) }).toEqual({ where, overflows: [] });
  expect({ where, contrast: await contrastFailures(page) }).toEqual({ where, contrast: [] });
}

beforeAll(async () => {
  root = createIdpFixtureRoot('browser-oidc');
  runtime = await startTestRuntime({ root, inMemory: true, idp: 'dev', idpPort: 0 });
  browser = await launchBrowser();
  kim = await (await newContext(browser)).newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('sign-in through the local identity provider in the browser', () => {
  it('sends a signed-out visitor to the sign-in page, through the provider’s login page and back signed in', async () => {
    await kim.goto(`${runtime.url}/runs`);
    expect(new URL(kim.url()).pathname).toBe('/signin');
    expect(await kim.getByRole('button', { name: 'Email me a sign-in link' }).count()).toBe(0);
    await shot(kim, 'oidc-01-signin');

    await kim.getByRole('link', { name: 'Sign in with the local IdP' }).click();
    await kim.waitForURL(onIdpLogin);
    expect(await kim.getByRole('heading', { level: 1 }).textContent()).toBe('Local identity provider');
    const people = kim.getByRole('list', { name: 'Sign in as' }).getByRole('button');
    expect(await people.allTextContents()).toEqual(['Jane Doe', 'Kim Lead', 'Lee Dev', 'Uma Guest']);
    await kim.getByLabel('Signed in with a second factor (MFA)').check();
    await shot(kim, 'oidc-02-idp-login');
    await kim.getByRole('button', { name: 'Kim Lead' }).click();

    await kim.waitForURL((url) => url.origin === runtime.url && url.pathname === '/runs');
    expect(await kim.locator('header .who').textContent()).toBe('Kim Lead');
    await shot(kim, 'oidc-03-signed-in');
  }, 60_000);

  it('lets the platform lead of the IdP groups approve from the web, and refuses an engineer', async () => {
    const run = await runtime.startRun('jane@acme.com', 'deploy');
    await runtime.pendingGate('jane@acme.com', run.id, 'approve');

    // Lee signs in too: okta-engineering makes him a developer, but not a platform lead.
    const lee = await (await newContext(browser)).newPage();
    try {
      await lee.goto(`${runtime.url}/runs/${run.id}`);
      await signInThroughIdp(lee, 'Lee Dev');
      expect(new URL(lee.url()).pathname).toBe(`/runs/${run.id}`);
      expect(await lee.locator('header .who').textContent()).toBe('Lee Dev');
      expect(await lee.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await lee.locator('.notice-text').textContent()).toBe(
        'Lee Dev is not an approver of this gate (approvers: team:platform-leads).',
      );
      await shot(lee, 'oidc-04-not-an-approver');
    } finally {
      await lee.context().close();
    }

    // Kim's groups make her a platform lead: the run waits for her vote.
    await kim.goto(`${runtime.url}/runs`);
    expect(await kim.locator('.tabs [aria-current="page"]').textContent()).toBe('Needs my vote');
    await kim.locator('table.runs').getByRole('link', { name: run.id }).click();
    await kim.waitForURL(`${runtime.url}/runs/${run.id}`);
    await kim.getByLabel(/Comment/).fill('Tags only; fine to apply.');
    await kim.getByRole('button', { name: 'Approve' }).click();
    await kim.locator('.flash').waitFor();
    expect(await kim.locator('.flash').textContent()).toContain('Approved.');
    await shot(kim, 'oidc-05-approved');

    const done = await runtime.waitFor('jane@acme.com', run.id, () => false, 60_000);
    expect(done.run.status).toBe('SUCCEEDED');
    await kim.goto(`${runtime.url}/audit?run=${run.id}&action=approved`);
    const row = kim.locator('table.audit tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/Kim Lead[\s\S]*kim@acme\.com[\s\S]*via web[\s\S]*Tags only/);
    await shot(kim, 'oidc-06-audit');
  }, 90_000);

  it('asks for a recent sign-in on a strict gate: not the emailed link nor a stale session, but a fresh one, whose second factor reaches the audit', async () => {
    const run = await runtime.startRun('jane@acme.com', 'deploy-strict');
    const gateId = await runtime.pendingGate('jane@acme.com', run.id, 'approve');
    const runPage = `${runtime.url}/runs/${run.id}`;
    const stepUp = `/signin/oidc?max_age=900&next=${encodeURIComponent(`/runs/${run.id}`)}`;
    const mail = await waitForEmail(
      runtime.inboxUrl,
      (m) => m.destination.to.includes('kim@acme.com') && !!m.body.text?.includes(run.id),
    );

    // The emailed link is no sign-in at the identity provider: the page shows the gate, not the form.
    await kim.goto(linkIn(mail.body.text ?? '', `${runtime.url}/approvals/${gateId}?t=`));
    expect(await kim.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await kim.locator('.notice-text').textContent()).toContain(
      "This gate counts only votes cast on signoff's pages within 15 minute(s) of signing in through the identity provider",
    );
    expect(await kim.getByRole('link', { name: 'Sign in to vote' }).getAttribute('href')).toBe(stepUp);
    await shot(kim, 'oidc-07-strict-email-link');

    // Her web session comes from a sign-in a minute ago: the run page offers the vote.
    await kim.goto(runPage);
    await kim.getByRole('button', { name: 'Approve' }).waitFor();

    // The browser's clock cannot move the server's: make the session's sign-in 20 minutes old instead.
    await ageSignin(kim, 20 * 60);
    await kim.reload();
    expect(await kim.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await kim.locator('.notice-text').textContent()).toContain('within 15 minute(s) of signing in');
    const again = kim.getByRole('link', { name: 'Sign in again to vote' });
    expect(await again.getAttribute('href')).toBe(stepUp);
    await shot(kim, 'oidc-08-strict-sign-in-again');

    // The identity provider authenticated her within max_age, so it signs her in without a page.
    const signinsBefore = (await kimSignins()).length;
    await again.click();
    await kim.waitForURL(runPage);
    expect((await kimSignins()).length).toBe(signinsBefore + 1);
    await kim.getByRole('button', { name: 'Approve' }).click();
    await kim.locator('.flash').waitFor();
    expect(await kim.locator('.flash').textContent()).toContain('Approved.');

    const done = await runtime.waitFor('jane@acme.com', run.id, () => false, 60_000);
    expect(done.run.status).toBe('SUCCEEDED');
    const events = await runtime.deps.auditQuery.readRun(run.id);
    const approved = events.find((e) => e.action === 'approved');
    expect(approved).toMatchObject({ actor: { email: 'kim@acme.com' }, channel: 'web' });
    const details = approved?.details as { auth_time?: string; amr?: string[] };
    expect(details.amr).toEqual(['pwd', 'otp']);
    const age = Date.parse(approved?.at ?? '') - Date.parse(details.auth_time ?? '');
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(15 * 60_000);
    // Only the page was shown: no vote was cast, so none was refused.
    expect(events.filter((e) => e.action === 'refused')).toEqual([]);
  }, 90_000);

  it('holds both sign-in pages at 375 px wide, with text that meets WCAG AA contrast', async () => {
    const phone = await (await newContext(browser, PHONE)).newPage();
    try {
      await phone.goto(`${runtime.url}/signin?next=/runs`);
      await checkLayout(phone);
      await shot(phone, 'oidc-09-signin-phone');
      await phone.getByRole('link', { name: 'Sign in with the local IdP' }).click();
      await phone.waitForURL(onIdpLogin);
      await checkLayout(phone);
      await shot(phone, 'oidc-10-idp-login-phone');
    } finally {
      await phone.context().close();
    }
  }, 60_000);
});

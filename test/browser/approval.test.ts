/**
 * The approver's day in a real browser (Debian's chromium through playwright-core) against the
 * local runtime: open the email link from the SES inbox, read the plan, approve with a comment,
 * see the run move on and the comment in the audit log; sign in with a magic link; export CSV.
 * Screenshots land in test-results/browser/ for a reviewer.
 */
import '../../local/polyfills.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contrastFailures,
  inbox,
  launchBrowser,
  layoutOverflows,
  linkIn,
  newContext,
  PHONE,
  shot,
  waitForEmail,
} from '../support/browser.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

const WORKFLOW = 'production-deploy-with-approval';

let runtime: TestRuntime;
let browser: Browser;
let page: Page;

/** The page at 375 px wide: nothing sticks out, all text meets WCAG AA contrast. */
async function checkOnPhone(url: string, name: string): Promise<void> {
  const phone = await (await newContext(browser, PHONE)).newPage();
  try {
    await phone.goto(url);
    expect(await layoutOverflows(phone)).toEqual([]);
    expect(await contrastFailures(phone)).toEqual([]);
    await shot(phone, name);
  } finally {
    await phone.context().close();
  }
}

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-browser-'));
  // The runtime sends the approval emails to its SES inbox, as the deployed stack sends them through SES.
  runtime = await startTestRuntime({ dataDir, inMemory: true });
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe('approval in the browser', () => {
  it('approves from the email link, the run moves on, the comment reaches the audit log', async () => {
    const run = await runtime.startRun('jane@acme.com', WORKFLOW);
    const gateId = await runtime.pendingGate('jane@acme.com', run.id, 'approve');
    const mail = await waitForEmail(
      runtime.inboxUrl,
      (m) => m.destination.to.includes('alice@acme.com') && !!m.body.text?.includes(run.id),
    );
    expect(mail.subject).toBe(`Approval required: ${WORKFLOW} (example-site)`);
    const link = linkIn(mail.body.text ?? '', `${runtime.url}/approvals/${gateId}?t=`);

    await page.goto(link);
    expect(await page.locator('h1').textContent()).toBe(WORKFLOW);
    expect(await page.locator('#plan-title').textContent()).toBe('Plan');
    expect(await page.locator('.counts').textContent()).toMatch(/to add/);
    await shot(page, '01-approval-page');
    expect(await contrastFailures(page)).toEqual([]);
    await checkOnPhone(link, '01-approval-page-phone');
    // Opening the page changed nothing.
    expect((await runtime.deps.gates.get(gateId))?.status).toBe('pending');

    await page.getByLabel(/Comment/).fill('Read the plan; the site change is fine.');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.flash').waitFor();
    expect(await page.locator('.flash').textContent()).toContain('Approved.');
    await shot(page, '02-approved');

    const after = await runtime.waitFor('jane@acme.com', run.id, (v) => v.run.status !== 'RUNNING', 90_000);
    expect(after.run.status).toBe('SUCCEEDED');
  }, 150_000);

  it('signs in with a magic link, shows the run and the comment in the audit log, exports CSV', async () => {
    await page.goto(`${runtime.url}/runs`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await shot(page, '03-signin');
    await page.getByLabel('Email').fill('alice@acme.com');
    const before = (await inbox(runtime.inboxUrl)).length;
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    const mail = await waitForEmail(
      runtime.inboxUrl,
      (m) => m.subject === 'Your signoff sign-in link' && m.destination.to.includes('alice@acme.com'),
    );
    expect((await inbox(runtime.inboxUrl)).length).toBeGreaterThan(before);
    await page.goto(linkIn(mail.body.text ?? '', `${runtime.url}/signin/`));
    await shot(page, '04-signin-confirm');
    await page.getByRole('button', { name: 'Continue to signoff' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    // Alice approves, so she lands on Needs my vote; the run she approved is under All runs.
    await page.goto(`${runtime.url}/runs?tab=all`);
    await shot(page, '05-runs');

    await page.locator('table.runs a').first().click();
    await page.locator('.steps').waitFor();
    expect(await page.locator('.steps').textContent()).toMatch(/apply[\s\S]*Succeeded/);
    await shot(page, '06-run');

    await page.goto(`${runtime.url}/audit?workflow=${WORKFLOW}`);
    const table = await page.locator('table.audit').textContent();
    expect(table).toContain('Read the plan; the site change is fine.');
    await shot(page, '07-audit');
    const shownRows = await page.locator('table.audit tbody tr').count();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^at,action,actor_email/);
    expect(lines.length - 1).toBe(shownRows);
    expect(csv).toContain('Read the plan; the site change is fine.');

    await page.goto(`${runtime.url}/reports/approvals`);
    await page.locator('svg.bar-chart').first().waitFor();
    await shot(page, '08-report');
  }, 120_000);

  it('every signed-in page holds at 375 px wide and its text meets WCAG AA contrast', async () => {
    const run = (await runtime.api('jane@acme.com', 'GET', '/api/runs')).body.runs[0];
    await page.setViewportSize(PHONE);
    try {
      for (const [path, name] of <[string, string][]>[
        ['/runs', '09-runs-phone'],
        [`/runs/${run.id}`, '10-run-phone'],
        ['/audit', '11-audit-phone'],
        ['/workflows', '13-workflows-phone'],
        ['/reports/approvals', '12-report-phone'],
      ]) {
        await page.goto(`${runtime.url}${path}`);
        expect({ path, overflows: await layoutOverflows(page) }).toEqual({ path, overflows: [] });
        expect({ path, contrast: await contrastFailures(page) }).toEqual({ path, contrast: [] });
        await shot(page, name);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  }, 120_000);
});

/**
 * The approver's day in a real browser (Debian's chromium through playwright-core) against the
 * local runtime: open the email link from the SES inbox, read the plan, approve with a comment,
 * see the run move on and the comment in the audit log; sign in with a magic link; export CSV.
 * Screenshots land in test-results/browser/ for a reviewer.
 */
import '../../local/polyfills.ts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEmail } from '../integration/email/ses-emulator.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

const CHROMIUM = '/usr/lib/chromium/chromium';
const SHOTS = join(process.cwd(), 'test-results', 'browser');
const WORKFLOW = 'production-deploy-with-approval';

let runtime: TestRuntime;
let browser: Browser;
let page: Page;

async function inbox(): Promise<StoredEmail[]> {
  const response = await fetch(`${runtime.inboxUrl}/store`);
  return ((await response.json()) as { emails: StoredEmail[] }).emails;
}

async function waitForEmail(match: (m: StoredEmail) => boolean, timeoutMs = 60_000): Promise<StoredEmail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await inbox()).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error('no such email arrived');
    await new Promise((r) => setTimeout(r, 200));
  }
}

function linkIn(text: string, prefix: string): string {
  const found = text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!found) throw new Error(`no link to ${prefix}`);
  return found;
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-browser-'));
  // The runtime sends the approval emails to its SES inbox, as the deployed stack sends them through SES.
  runtime = await startTestRuntime({ dataDir, inMemory: true });
  if (!existsSync(CHROMIUM))
    throw new Error(`chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await (
    await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })
  ).newPage();
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
      (m) => m.destination.to.includes('alice@acme.com') && !!m.body.text?.includes(run.id),
    );
    expect(mail.subject).toBe(`Approval required: ${WORKFLOW} (example-site)`);
    const link = linkIn(mail.body.text ?? '', `${runtime.url}/approvals/${gateId}?t=`);

    await page.goto(link);
    expect(await page.locator('h1').textContent()).toBe(WORKFLOW);
    expect(await page.locator('#plan-title').textContent()).toBe('Plan');
    expect(await page.locator('.counts').textContent()).toMatch(/to add/);
    await shot('01-approval-page');
    // Opening the page changed nothing.
    expect((await runtime.deps.gates.get(gateId))?.status).toBe('pending');

    await page.getByLabel(/Comment/).fill('Read the plan; the site change is fine.');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.flash').waitFor();
    expect(await page.locator('.flash').textContent()).toContain('Approved.');
    await shot('02-approved');

    const after = await runtime.waitFor('jane@acme.com', run.id, (v) => v.run.status !== 'RUNNING', 90_000);
    expect(after.run.status).toBe('SUCCEEDED');
  }, 150_000);

  it('signs in with a magic link, shows the run and the comment in the audit log, exports CSV', async () => {
    await page.goto(`${runtime.url}/runs`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await shot('03-signin');
    await page.getByLabel('Email').fill('alice@acme.com');
    const before = (await inbox()).length;
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    const mail = await waitForEmail(
      (m) => m.subject === 'Your signoff sign-in link' && m.destination.to.includes('alice@acme.com'),
    );
    expect((await inbox()).length).toBeGreaterThan(before);
    await page.goto(linkIn(mail.body.text ?? '', `${runtime.url}/signin/`));
    await shot('04-signin-confirm');
    await page.getByRole('button', { name: 'Continue to signoff' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await shot('05-runs');

    await page.locator('table.runs a').first().click();
    await page.locator('.steps').waitFor();
    expect(await page.locator('.steps').textContent()).toMatch(/apply[\s\S]*Succeeded/);
    await shot('06-run');

    await page.goto(`${runtime.url}/audit?workflow=${WORKFLOW}`);
    const table = await page.locator('table.audit').textContent();
    expect(table).toContain('Read the plan; the site change is fine.');
    await shot('07-audit');
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
    await shot('08-report');
  }, 120_000);
});

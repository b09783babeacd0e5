/**
 * Starting runs from the web in a real browser (Debian's chromium through playwright-core) against
 * the local runtime: the Start run form on the runs page (with the admins' emergency form), a
 * submission without a reason shown again with the problem, a run started and approved, and a
 * second run whose plan has nothing to change ending "No changes" without a gate. Every page is
 * checked at desktop width and at 375 px, for overflow and WCAG AA contrast; screenshots land in
 * test-results/browser/.
 */
import '../../local/polyfills.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contrastFailures,
  launchBrowser,
  layoutOverflows,
  newContext,
  PHONE,
  shot,
  signIn,
} from '../support/browser.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

const WORKFLOW = 'production-deploy-with-approval';

let runtime: TestRuntime;
let browser: Browser;
let page: Page;

/** The page as it is now, at desktop width and at 375 px: nothing sticks out, text meets AA. */
async function checkBothWidths(name: string): Promise<void> {
  for (const [viewport, suffix] of [
    [{ width: 1280, height: 900 }, ''],
    [PHONE, '-phone'],
  ] as const) {
    await page.setViewportSize(viewport);
    expect({ name, overflows: await layoutOverflows(page) }).toEqual({ name, overflows: [] });
    expect({ name, contrast: await contrastFailures(page) }).toEqual({ name, contrast: [] });
    await shot(page, `${name}${suffix}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Opens the Start run form on the runs page and starts `workflow` with `reason`. */
async function startFromForm(reason: string): Promise<void> {
  await page.goto(`${runtime.url}/runs`);
  await page.locator('details.start-run > summary').click();
  await page.locator('#start-workflow').selectOption(WORKFLOW);
  await page.locator('#start-reason').fill(reason);
  await page.getByRole('button', { name: 'Start run', exact: true }).click();
}

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-browser-start-'));
  runtime = await startTestRuntime({ dataDir, inMemory: true });
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  await signIn(page, runtime, 'alice@acme.com');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe('starting a run from the web', () => {
  it('shows the Start run form, with the emergency form for an admin, at both widths', async () => {
    await page.goto(`${runtime.url}/runs`);
    await page.locator('details.start-run > summary').click();
    await page.locator('#start-reason').waitFor();
    const options = await page.locator('#start-workflow option').allTextContents();
    expect(options).toContain(`${WORKFLOW} (production)`);
    expect(options.some((o) => o.startsWith('production-emergency-deploy'))).toBe(false);
    expect(await page.locator('#emergency-workflow option').allTextContents()).toEqual([
      'production-emergency-deploy (production)',
    ]);
    expect(await page.getByLabel(/Justification/).count()).toBe(1);
    await checkBothWidths('start-01-form');
  }, 60_000);

  it('shows the form again with the problem when the reason is blank, and starts nothing', async () => {
    const before = (await runtime.api('alice@acme.com', 'GET', '/api/runs')).body.runs.length;
    await startFromForm('   ');
    await page.locator('.start-form .flash-error').waitFor();
    expect(await page.locator('.start-form .flash-error').textContent()).toContain('Give a reason');
    expect(await page.locator('#start-workflow').inputValue()).toBe(WORKFLOW);
    expect((await runtime.api('alice@acme.com', 'GET', '/api/runs')).body.runs.length).toBe(before);
    await checkBothWidths('start-02-no-reason');
  }, 60_000);

  it('starts a run and lands on its page; a second run with nothing to change ends "No changes"', async () => {
    await startFromForm('Ship the new landing page');
    await page.waitForURL(/\/runs\/[0-9]{8}-/);
    const first = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(await page.locator('main').textContent()).toContain('Ship the new landing page');
    const gateId = await runtime.pendingGate('alice@acme.com', first, 'approve');
    expect((await runtime.vote('bob@acme.com', gateId, 'approve', 'fine')).status).toBe(200);
    const applied = await runtime.waitFor('alice@acme.com', first, () => false, 90_000);
    expect(applied.run.status).toBe('SUCCEEDED');

    await startFromForm('Check nothing drifted');
    await page.waitForURL(/\/runs\/[0-9]{8}-/);
    const second = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(second).not.toBe(first);
    const done = await runtime.waitFor('alice@acme.com', second, () => false, 90_000);
    expect(done.run).toMatchObject({ status: 'SUCCEEDED', no_changes: true });
    expect(done.gates).toEqual([]);
    await page.reload();
    expect(await page.locator('.flash-no-changes').textContent()).toContain('No changes.');
    expect(await page.locator('.steps').textContent()).toMatch(/approve[\s\S]*Not reached/);
    await checkBothWidths('start-03-no-changes-run');
  }, 200_000);
});

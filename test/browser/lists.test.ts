/**
 * The lists in a real browser against the local runtime: Dave's "Needs my vote" tab lists the run
 * waiting for him and Fiona's does not; after Dave rejects, the runs list reads "Rejected" with
 * who, when and why, and the audit page filtered to rejections shows it as a sentence. Every page
 * is checked at desktop width and at 375 px (nothing sticks out, WCAG AA contrast).
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

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-browser-lists-'));
  runtime = await startTestRuntime({ dataDir, inMemory: true });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/** The page as it is, at desktop width and at 375 px: both hold, both are screenshotted. */
async function checkBothWidths(page: Page, name: string): Promise<void> {
  const url = page.url();
  expect({ url, overflows: await layoutOverflows(page) }).toEqual({ url, overflows: [] });
  expect({ url, contrast: await contrastFailures(page) }).toEqual({ url, contrast: [] });
  await shot(page, name);
  await page.setViewportSize(PHONE);
  try {
    await page.goto(url);
    expect({ url, overflows: await layoutOverflows(page) }).toEqual({ url, overflows: [] });
    expect({ url, contrast: await contrastFailures(page) }).toEqual({ url, contrast: [] });
    await shot(page, `${name}-phone`);
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}

async function signedInPage(email: string): Promise<Page> {
  const page = await (await newContext(browser)).newPage();
  await signIn(page, runtime, email);
  return page;
}

describe('lists in the browser', () => {
  it('Needs my vote, then the rejected run and the filtered audit log, on desktop and phone', async () => {
    const run = await runtime.startRun('jane@acme.com', WORKFLOW, 'Open port 443 on the edge');
    const gateId = await runtime.pendingGate('jane@acme.com', run.id, 'approve');

    const dave = await signedInPage('dave@acme.com');
    await dave.goto(`${runtime.url}/runs`);
    // Dave leads the platform team: Needs my vote is his default tab, and lists the run.
    expect(await dave.locator('.tabs [aria-current="page"]').textContent()).toBe('Needs my vote');
    const row = dave.locator('table.runs tbody tr', { hasText: run.id });
    expect(await row.locator('.status').first().textContent()).toBe('Waiting for approval');
    expect(await row.textContent()).toContain('0 of 1');
    await checkBothWidths(dave, '21-needs-my-vote');

    // Fiona approves finance gates only: nothing here waits for her.
    const fiona = await signedInPage('fiona@acme.com');
    await fiona.goto(`${runtime.url}/runs`);
    expect(await fiona.locator('.tabs [aria-current="page"]').textContent()).toBe('Needs my vote');
    expect(await fiona.locator('.empty').textContent()).toBe('Nothing is waiting for your vote.');
    expect(await fiona.locator('table.runs', { hasText: run.id }).count()).toBe(0);
    await fiona.context().close();

    const vote = await runtime.vote('dave@acme.com', gateId, 'reject', 'PR 42 changes the wrong CIDR');
    expect(vote.status).toBe(200);
    await runtime.waitFor('jane@acme.com', run.id, (v) => v.run.status !== 'RUNNING', 60_000);

    await dave.goto(`${runtime.url}/runs?tab=all`);
    const ended = dave.locator('table.runs tbody tr', { hasText: run.id });
    expect(await ended.locator('.status').first().textContent()).toBe('Rejected');
    expect(await ended.locator('.outcome small').textContent()).toMatch(
      /^Rejected by Dave Kim at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: 'PR 42 changes the wrong CIDR'$/,
    );

    await dave.goto(`${runtime.url}/audit?action=rejected&workflow=${WORKFLOW}&run=${run.id}`);
    const rows = dave.locator('table.audit tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("Rejected: 'PR 42 changes the wrong CIDR'");
    await checkBothWidths(dave, '22-audit-filtered');
    await dave.context().close();
  }, 180_000);
});

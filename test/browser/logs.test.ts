/**
 * Build logs and the drift diff in a real browser against the local runtime: a plan's log appears
 * line by line on the run page while the build runs (no reload), with credentials masked; an
 * apply refused on drift shows what differs between the approved plan and the re-plan.
 * Screenshots at desktop width and at 375 px land in test-results/browser/.
 */
import '../../local/polyfills.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { createLogProjects, DRIFT_FILE, LOG_WORKFLOWS, SLOW_LINES } from '../support/log-projects.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let root: string;
let dataDir: string;
let runtime: TestRuntime;
let browser: Browser;
let page: Page;
let phone: Page;

/** Nothing sticks out and all text meets WCAG AA contrast. */
async function checkLayout(p: Page): Promise<void> {
  expect(await layoutOverflows(p)).toEqual([]);
  expect(await contrastFailures(p)).toEqual([]);
}

beforeAll(async () => {
  root = createLogProjects();
  dataDir = mkdtempSync(join(tmpdir(), 'signoff-browser-logs-'));
  runtime = await startTestRuntime({ root, dataDir, inMemory: true });
  browser = await launchBrowser();
  page = await (await newContext(browser)).newPage();
  phone = await (await newContext(browser, PHONE)).newPage();
  await signIn(page, runtime, 'alice@acme.com');
  await signIn(phone, runtime, 'alice@acme.com');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('build logs on the run page', () => {
  it('shows a running plan’s log as it is written, masked, without reloading the page', async () => {
    const run = await runtime.startRun('jane@acme.com', LOG_WORKFLOWS.live);
    await runtime.waitFor(
      'alice@acme.com',
      run.id,
      (v) => v.steps.find((s) => s.id === 'plan')?.status === 'running',
      90_000,
    );
    await page.goto(`${runtime.url}/runs/${run.id}`);
    // A marker a reload would wipe out.
    await page.evaluate(() => {
      (window as unknown as { stayed: boolean }).stayed = true;
    });
    const log = page.locator('#log-plan pre.log');
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain('page[5]');
    const early = (await log.textContent()) ?? '';
    expect(early).not.toContain(`page[${SLOW_LINES}]`);
    expect(await page.locator('#log-plan [data-log-status]').textContent()).toMatch(
      /^Running: \d+ lines so far\.$/,
    );
    expect(await page.locator('.steps').textContent()).toMatch(/plan[\s\S]*Running/);
    await shot(page, 'logs-01-running');
    await checkLayout(page);

    await phone.goto(`${runtime.url}/runs/${run.id}`);
    await expect
      .poll(() => phone.locator('#log-plan pre.log').textContent(), { timeout: 30_000 })
      .toContain('page[');
    await shot(phone, 'logs-01-running-phone');
    await checkLayout(phone);

    await expect
      .poll(() => page.locator('#log-plan [data-log-status]').textContent(), { timeout: 60_000 })
      .toMatch(/^Build finished: \d+ lines\./);
    const text = (await log.textContent()) ?? '';
    expect(text).toContain(`page[${SLOW_LINES}]`);
    expect(text).toContain('Plan: 0 to add, 0 to change, 0 to destroy.');
    // Every line once, in order, though it arrived over many polls.
    const pages = text.match(/page\[\d+\]/g) ?? [];
    expect(pages).toEqual(Array.from({ length: SLOW_LINES }, (_, i) => `page[${i + 1}]`));
    expect(text).toContain('using access key **** and token ****');
    expect(text).not.toMatch(/AKIAIOSFODNN7EXAMPLE|ghp_|neverShowThisKeyMaterial/);
    expect(text).toContain('-----BEGIN RSA PRIVATE KEY-----\n****\n****-----END RSA PRIVATE KEY-----');
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await shot(page, 'logs-02-finished');
  }, 180_000);
});

describe('the drift diff on the run page', () => {
  it('shows, per resource, what differs between the approved plan and the re-plan', async () => {
    const state = join(dataDir, 'example-state');
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, DRIFT_FILE), 'private\n');
    const run = await runtime.startRun('jane@acme.com', LOG_WORKFLOWS.drift);
    const gateId = await runtime.pendingGate('jane@acme.com', run.id, 'approve');
    // Someone changes the bucket while the plan waits for approval.
    writeFileSync(join(state, DRIFT_FILE), 'log-delivery-write\n');
    expect((await runtime.vote('alice@acme.com', gateId, 'approve', 'looks right')).status).toBe(200);
    const ended = await runtime.waitFor('jane@acme.com', run.id, (v) => v.run.status !== 'RUNNING', 120_000);
    expect(ended.run.error).toBe('PlanDrift');

    await page.goto(`${runtime.url}/runs/${run.id}`);
    const drift = page.locator('section.drift');
    expect(await drift.locator('h2').textContent()).toBe('Plan drift: step apply applied nothing');
    const resources = drift.locator('.drift-resource');
    expect(await resources.count()).toBe(2);
    const bucket = resources.filter({ hasText: 'aws_s3_bucket.assets' });
    expect(await bucket.locator('.drift-head .badge').textContent()).toBe('changed');
    const rows = await bucket
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.children, (cell) => (cell.textContent ?? '').trim()).join(' | ')),
      );
    expect(rows).toEqual([
      'acl | "private" | "log-delivery-write"',
      'db_password | (sensitive) | (sensitive)',
    ]);
    const role = resources.filter({ hasText: 'aws_iam_role.uploader' });
    expect(await role.locator('.drift-head .badge').textContent()).toBe('only in the current plan');
    expect(await role.locator('tbody').textContent()).toContain('(known after apply)');
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).not.toMatch(/pass-for-|old-pass/);
    // The apply's log tells the same story.
    await expect
      .poll(() => page.locator('#log-apply pre.log').textContent(), { timeout: 30_000 })
      .toContain('plan drift');
    await shot(page, 'logs-03-drift');
    await checkLayout(page);

    await phone.goto(`${runtime.url}/runs/${run.id}`);
    await phone.locator('section.drift').waitFor();
    await shot(phone, 'logs-03-drift-phone');
    await checkLayout(phone);
  }, 240_000);
});

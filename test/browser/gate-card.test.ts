/**
 * The gate card in a real browser (Debian's chromium through playwright-core), in each state a
 * gate can be in: waiting, escalated, approved, rejected, timed out. Each state's approval page,
 * run-page card and approval email are rendered by the same functions the server uses, served
 * with the real stylesheet, screenshot at desktop width and at 375 px, and checked: nothing sticks
 * out on a phone and all text meets WCAG AA contrast. Screenshots land in test-results/browser/.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalUrl, buildApprovalView } from '../../functions/core/approval/approval-view.ts';
import { buildGate } from '../../functions/core/approval/request-approval.ts';
import type { Gate } from '../../functions/core/ports.ts';
import { renderApprovalEmail } from '../../web/approval-email.ts';
import { renderApprovalPage } from '../../web/approval-page.ts';
import { renderGateCard } from '../../web/gate-card.ts';
import { renderLayout } from '../../web/layout.ts';
import { DIRECTORY, mergedPrRun, requestInput, PR_SHA as SHA, T0 } from '../support/approval-fixtures.ts';
import {
  contrastFailures,
  launchBrowser,
  layoutOverflows,
  newContext,
  PHONE,
  shot,
} from '../support/browser.ts';

const CSS = readFileSync('web/style.css', 'utf8');
const STATES = ['waiting', 'escalated', 'approved', 'rejected', 'timed-out'] as const;
type State = (typeof STATES)[number];

/** A merged PR's gate with a long reason, long resource addresses, failed policies and a finance gate after it. */
function baseGate(): Gate {
  const run = mergedPrRun(
    { number: 1042, title: 'network: widen the production VPC CIDR to /15 and add three private subnets' },
    {
      id: 'run-20261125-100000-widen-the-production-vpc-for-the-new-cluster',
      reason:
        'Widen the production VPC for the new analytics cluster; approved in the network review on 2026-11-24.',
    },
  );
  const input = requestInput(
    {
      name: 'Platform approval',
      escalation: [{ after_seconds: 3600, approvers: ['team:managers'] }],
      follows: [
        {
          step_id: 'finance_approval',
          name: 'finance_approval',
          approvers: ['team:finance'],
          required: 1,
          when: [
            {
              step_id: 'check_cost',
              field: 'cost.monthly_delta',
              op: 'gt',
              value: 500,
              when_missing: 'then',
              branch: 'then',
            },
          ],
        },
      ],
    },
    run,
  );
  const plan = input.data.plan as NonNullable<typeof input.data.plan>;
  plan.resources = [
    { address: 'aws_vpc.main', action: 'update' },
    { address: 'module.network.aws_subnet.private["eu-west-1a-analytics-cluster-subnet"]', action: 'create' },
    { address: 'module.network.aws_subnet.private["eu-west-1b-analytics-cluster-subnet"]', action: 'create' },
    { address: 'module.network.aws_subnet.private["eu-west-1c-analytics-cluster-subnet"]', action: 'create' },
  ];
  input.data.cost = {
    estimated: true,
    currency: 'USD',
    monthly_before: 1200,
    monthly_after: 1950,
    monthly_delta: 750,
  };
  input.data.policy = {
    passed: 11,
    failed: 1,
    mandatory_failed: 0,
    results: [
      {
        name: 'subnets-have-cost-center-tag',
        source: 'conftest',
        severity: 'advisory',
        passed: false,
        message:
          'module.network.aws_subnet.private["eu-west-1a-analytics-cluster-subnet"] has no cost-center tag',
      },
    ],
  };
  return buildGate({ directory: DIRECTORY, now: () => T0 }, input);
}

const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** The gate in one state, and the time it is looked at. */
function gateIn(state: State): { gate: Gate; now: number } {
  const gate = baseGate();
  const bob = { email: 'bob@acme.com', name: 'Bob Builder', at: at(20), channel: 'email' as const };
  const carol = { email: 'carol@acme.com', name: 'Carol Ops', at: at(70), channel: 'slack' as const };
  switch (state) {
    case 'waiting':
      return { gate: { ...gate, approved_by: [bob] }, now: T0 + 40 * 60_000 };
    case 'escalated':
      return {
        gate: {
          ...gate,
          approved_by: [bob],
          escalations: {
            '0': { at: at(60), people: [{ email: 'erin@acme.com', name: 'Erin Manager', role: 'admin' }] },
          },
        },
        now: T0 + 65 * 60_000,
      };
    case 'approved':
      return {
        gate: { ...gate, status: 'approved', approved_by: [bob, carol], closed_at: at(70) },
        now: T0 + 75 * 60_000,
      };
    case 'rejected':
      return {
        gate: {
          ...gate,
          status: 'rejected',
          approved_by: [bob],
          closed_at: at(50),
          closed_by: { email: 'dave@acme.com', name: 'Dave Net' },
          close_comment: 'PR 1042 widens the wrong CIDR: 10.1.0.0/15 overlaps the VPN range.',
        },
        now: T0 + 55 * 60_000,
      };
    case 'timed-out':
      return {
        gate: { ...gate, status: 'timed_out', approved_by: [bob], closed_at: gate.deadline },
        now: T0 + 5 * 3600_000,
      };
  }
}

let server: Server;
let base = '';
let browser: Browser;

/** What the server answers: `/approval/<state>`, `/card/<state>`, `/email/<state>` and the stylesheet. */
function pageFor(path: string): string | undefined {
  const [, kind, state] = path.split('/') as [string, string, State];
  if (!STATES.includes(state)) return undefined;
  const { gate, now } = gateIn(state);
  const approval = buildApprovalView(gate, now, base);
  if (kind === 'approval') {
    return renderApprovalPage({
      approval,
      ...(gate.data.cost ? { cost: gate.data.cost } : {}),
      votes: gate.approved_by.map((a) => ({ gate_id: gate.gate_id, decision: 'approve' as const, ...a })),
      voter: { email: 'alice@acme.com', name: 'Alice Lead' },
      token: 'capability',
      ...(gate.status === 'pending' ? {} : { cannotVote: 'This gate is closed.' }),
    });
  }
  if (kind === 'card') {
    return renderLayout({ title: 'Gate card', main: renderGateCard(approval.card) });
  }
  if (kind === 'email') {
    return renderApprovalEmail(approval, approvalUrl(base, gate.gate_id, 'capability'), 'Alice Lead').html;
  }
  return undefined;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/static/style.css') {
      response.writeHead(200, { 'content-type': 'text/css' }).end(CSS);
      return;
    }
    const body = pageFor(path);
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

/** Opens `path` at desktop width and at 375 px: a screenshot of each, and the two checks on both. */
async function checkPage(path: string, name: string): Promise<Page> {
  let desktop: Page | undefined;
  for (const [viewport, suffix] of [
    [{ width: 1280, height: 900 }, 'desktop'],
    [PHONE, 'phone'],
  ] as const) {
    const page = await (await newContext(browser, viewport)).newPage();
    const response = await page.goto(`${base}${path}`);
    expect(response?.status()).toBe(200);
    expect({ path, suffix, overflows: await layoutOverflows(page) }).toEqual({ path, suffix, overflows: [] });
    expect({ path, suffix, contrast: await contrastFailures(page) }).toEqual({ path, suffix, contrast: [] });
    await shot(page, `${name}-${suffix}`);
    if (suffix === 'desktop') desktop = page;
    else await page.context().close();
  }
  return desktop as Page;
}

describe('the gate card in the browser', () => {
  for (const state of STATES) {
    it(`${state}: the approval page, the card and the email hold at 375 px and meet WCAG AA`, async () => {
      const page = await checkPage(`/approval/${state}`, `gate-card-${state}-approval-page`);
      try {
        const card = page.locator('.gate-card');
        await expect(card.locator('.gate-headline').textContent()).resolves.toMatch(
          {
            waiting: /^Waiting for 1 more approval \(1 of 2 so far\)$/,
            escalated: /^Waiting for 1 more approval/,
            approved: /^Approved at 2026-11-25 11:10 UTC by Bob Builder and Carol Ops$/,
            rejected: /^Rejected by Dave Net at 2026-11-25 10:50 UTC: “PR 1042 widens the wrong CIDR/,
            'timed-out': /^Timed out at 2026-11-25 14:00 UTC with 1 of 2 approvals; the run was cancelled$/,
          }[state],
        );
        const text = (await card.textContent()) ?? '';
        expect(text).toContain('Widen the production VPC for the new analytics cluster');
        expect(text).toContain('#1042 network: widen the production VPC CIDR');
        expect(text).toContain('finance approval follows: cost +$750/month > $500');
        expect(await card.getByRole('link', { name: '0123456' }).getAttribute('href')).toBe(
          `https://github.com/acme/infrastructure/commit/${SHA}`,
        );
        if (state === 'waiting' || state === 'escalated') {
          expect(text).toContain('May still approve');
          expect(text).toContain('Alice Lead');
          expect(text).not.toMatch(/May still approve[\s\S]*Bob Builder/);
        } else {
          expect(text).not.toContain('May still approve');
        }
        if (state === 'escalated')
          expect(text).toContain('Escalated to team:managers (Erin Manager) at 2026-11-25 11:00 UTC');
        if (state === 'waiting')
          expect(text).toContain('Escalates to team:managers at 2026-11-25 11:00 UTC (in 20 minutes)');
      } finally {
        await page.context().close();
      }
      await (await checkPage(`/card/${state}`, `gate-card-${state}-card`)).context().close();
      await (await checkPage(`/email/${state}`, `gate-card-${state}-email`)).context().close();
    }, 60_000);
  }

  it('Reject does not submit without a reason and the confirmation', async () => {
    const page = await (await newContext(browser)).newPage();
    try {
      await page.goto(`${base}/approval/waiting`);
      const url = page.url();
      await page.getByRole('button', { name: 'Reject' }).click();
      expect(page.url()).toBe(url);
      expect(
        await page
          .locator('textarea[name="reason"]')
          .evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing),
      ).toBe(true);
      await page.getByLabel(/Reason for rejecting/).fill('Wrong CIDR');
      await page.getByRole('button', { name: 'Reject' }).click();
      expect(page.url()).toBe(url);
      expect(
        await page
          .getByLabel(/I want to reject/)
          .evaluate((el) => (el as HTMLInputElement).validity.valueMissing),
      ).toBe(true);
      await shot(page, 'gate-card-reject-form');
    } finally {
      await page.context().close();
    }
  }, 30_000);
});

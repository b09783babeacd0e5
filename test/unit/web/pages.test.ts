import { describe, expect, it } from 'vitest';
import { buildApprovalView } from '../../../functions/core/approval/approval-view.ts';
import { buildGate } from '../../../functions/core/approval/request-approval.ts';
import { renderApprovalEmail } from '../../../web/approval-email.ts';
import { renderApprovalPage } from '../../../web/approval-page.ts';
import { renderErrorPage } from '../../../web/error-page.ts';
import { renderFreezeNotice } from '../../../web/freeze-notice.ts';
import { renderPlanSection } from '../../../web/plan-section.ts';
import { createMemoryDeps, requestInput, T0 } from '../../support/approval-fixtures.ts';

const deps = createMemoryDeps();

function gate() {
  const input = requestInput();
  const plan = input.data.plan;
  if (!plan) throw new Error('fixture has a plan');
  plan.resources = [
    { address: 'aws_instance.web["<b>"]', action: 'create' },
    { address: 'aws_vpc.main', action: 'update' },
    { address: 'aws_s3_bucket.old', action: 'delete' },
    { address: 'aws_db_instance.main', action: 'replace' },
  ];
  plan.replace = 1;
  return buildGate(deps, input);
}

describe('renderPlanSection', () => {
  it('colours each resource by its action and escapes addresses', () => {
    const g = gate();
    const out = renderPlanSection(g.data.plan as NonNullable<typeof g.data.plan>, undefined).value;
    expect(out).toContain('<li class="res act-create">');
    expect(out).toContain('<li class="res act-update">');
    expect(out).toContain('<li class="res act-delete">');
    expect(out).toContain('<li class="res act-replace">');
    expect(out).toContain('aws_instance.web[&quot;&lt;b&gt;&quot;]');
    expect(out).toContain('<strong>1</strong> to replace');
  });

  it('folds a long resource list into a closed <details>', () => {
    const g = gate();
    const plan = g.data.plan as NonNullable<typeof g.data.plan>;
    plan.resources = Array.from({ length: 40 }, (_, i) => ({
      address: `aws_s3_bucket.b${i}`,
      action: 'create' as const,
    }));
    const out = renderPlanSection(plan, undefined).value;
    expect(out).toContain('<details class="fold"><summary>Show all 40 changed resources</summary>');
  });

  it('lists the full plan per resource with before and after', () => {
    const g = gate();
    const out = renderPlanSection(g.data.plan as NonNullable<typeof g.data.plan>, {
      rows: [
        {
          address: 'aws_vpc.main',
          action: 'update',
          attributes: [{ name: 'cidr', before: '"a"', after: '"b"' }],
        },
      ],
      truncated: false,
    }).value;
    expect(out).toContain('<details class="change act-update">');
    expect(out).toContain('<code class="before">&quot;a&quot;</code>');
  });
});

describe('renderApprovalPage', () => {
  it('shows the facts, a comment box with a label, and two submit buttons in a POST form', () => {
    const g = gate();
    const out = renderApprovalPage({
      approval: buildApprovalView(g, T0 + 35 * 60_000, 'https://signoff.example.com'),
      votes: [],
      voter: { email: 'alice@acme.com', name: 'Alice <Lead>' },
      token: 'tok"en',
    });
    expect(out).toContain('<form class="vote-form" method="post" action="/approvals/');
    expect(out).toContain('<label for="approval-comment">');
    expect(out).toContain('value="tok&quot;en"');
    expect(out).toContain('Alice &lt;Lead&gt;');
    expect(out).toContain('in 3 hours 25 minutes');
    expect(out).toContain('<meta name="viewport"');
    expect(out).toContain('<main id="main"');
    expect(out).not.toContain('<script');
  });

  it('replaces the form with the reason when the voter cannot vote', () => {
    const out = renderApprovalPage({
      approval: buildApprovalView(gate(), T0, 'https://x'),
      votes: [],
      voter: { email: 'vera@acme.com', name: 'Vera' },
      token: 't',
      cannotVote: 'Vera Viewer has the viewer role; viewers cannot approve.',
    });
    expect(out).not.toContain('name="decision"');
    expect(out).toContain('viewers cannot approve');
  });
});

describe('renderApprovalEmail', () => {
  it('has the subject, the guide facts in both parts, and the link', () => {
    const view = buildApprovalView(gate(), T0, 'https://signoff.example.com');
    const email = renderApprovalEmail(view, 'https://signoff.example.com/approvals/g_1?t=abc&x=1', 'Bob');
    expect(email.subject).toBe('Approval required: production-deploy (aws-production-network)');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('3 to add, 1 to change, 0 to destroy, 1 to replace');
      expect(part).toContain('+$45.20/month');
      expect(part).toContain('2026-11-25 14:00 UTC (4 hours left)');
    }
    expect(email.html).toContain('href="https://signoff.example.com/approvals/g_1?t=abc&amp;x=1"');
    expect(email.text).toContain('https://signoff.example.com/approvals/g_1?t=abc&x=1');
  });
});

describe('renderErrorPage', () => {
  it('shows the status and escapes the message', () => {
    const out = renderErrorPage({ status: 410, title: 'Expired', message: '<img src=x>' });
    expect(out).toContain('Error 410');
    expect(out).toContain('&lt;img src=x&gt;');
  });
});

describe('renderFreezeNotice', () => {
  it('warns of each freeze in effect and lists those to come; nothing without freezes', () => {
    const base = {
      adhoc: false,
      apply: 'wait' as const,
      environments: ['production'],
      workflows: [],
      timezone: 'Europe/Berlin',
    };
    const html = String(
      renderFreezeNotice({
        active: [
          {
            ...base,
            name: 'freeze-1',
            reason: 'incident <42>',
            adhoc: true,
            starts_at: '2026-12-05T10:00:00.000Z',
            ends_at: null,
            timezone: 'UTC',
          },
        ],
        upcoming: [
          {
            ...base,
            name: 'weekend',
            reason: 'Weekend',
            starts_at: '2026-12-11T15:00:00.000Z',
            ends_at: '2026-12-14T07:00:00.000Z',
          },
        ],
      }),
    );
    expect(html).toContain(
      '<strong>Change freeze in effect: freeze-1.</strong> incident &lt;42&gt;. Covers production workflows until an admin ends it; their applies wait for its end',
    );
    expect(html).toContain(
      '<strong>weekend</strong> from 2026-12-11 16:00 CET until 2026-12-14 08:00 CET (production workflows: Weekend)',
    );
    expect(renderFreezeNotice({ active: [], upcoming: [] })).toBe('');
  });
});

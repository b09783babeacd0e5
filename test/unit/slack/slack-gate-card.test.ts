import { describe, expect, it } from 'vitest';
import { gateMessage, SLACK_MAX_BLOCKS, type SlackBlock } from '../../../functions/adapters/slack-blocks.ts';
import { fitList } from '../../../functions/adapters/slack-facts.ts';
import { buildGate } from '../../../functions/core/approval/request-approval.ts';
import type { Gate } from '../../../functions/core/ports.ts';
import type { Directory } from '../../../statemachines/schema.ts';
import {
  DIRECTORY,
  mergedPrRun,
  requestInput,
  runInfo,
  PR_SHA as SHA,
  T0,
} from '../../support/approval-fixtures.ts';

const CONTEXT = { publicUrl: 'https://signoff.example.com', now: T0 };

/** Every text object in the message (section text, fields, context elements, button labels, header). */
function textObjects(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) textObjects(v, found);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') found.push(o.text);
    for (const v of Object.values(o)) textObjects(v, found);
  }
  return found;
}

/** Block Kit's limits (https://api.slack.com/reference/block-kit/blocks), checked on a whole message. */
function expectWithinBlockKitLimits(blocks: SlackBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
  for (const text of textObjects(blocks)) expect(text.length).toBeLessThanOrEqual(3000);
  for (const block of blocks) {
    if (block.type === 'header')
      expect((block.text as { text: string }).text.length).toBeLessThanOrEqual(150);
    if (block.type === 'section' && block.fields) {
      const fields = block.fields as { text: string }[];
      expect(fields.length).toBeLessThanOrEqual(10);
      for (const f of fields) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    if (block.type === 'context') expect((block.elements as unknown[]).length).toBeLessThanOrEqual(10);
  }
}

function githubGate(): Gate {
  const run = mergedPrRun(
    { number: 42, title: 'Widen the VPC' },
    {
      id: 'run-slack-card',
      reason: 'Widen the VPC',
    },
  );
  const input = requestInput(
    {
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
  input.data.cost = {
    estimated: true,
    currency: 'USD',
    monthly_before: 250,
    monthly_after: 1000,
    monthly_delta: 750,
  };
  return buildGate({ directory: DIRECTORY, now: () => T0 }, input);
}

describe('gateMessage: the gate card', () => {
  it('shows the PR, the commit, the reason, who may still approve, the escalation ahead and what follows', () => {
    const gate = githubGate();
    gate.approved_by = [
      { email: 'bob@acme.com', name: 'Bob Builder', at: new Date(T0).toISOString(), channel: 'web' },
    ];
    const { blocks } = gateMessage(gate, CONTEXT);
    const texts = textObjects(blocks);
    expect(texts).toContain(
      '*Pull request:*\n<https://github.com/acme/infrastructure/pull/42|#42 Widen the VPC> by octocat',
    );
    expect(texts).toContain(
      `*Commit:*\n<https://github.com/acme/infrastructure/commit/${SHA}|0123456 on main>`,
    );
    expect(texts).toContain('*Reason:*\nWiden the VPC');
    expect(texts).toContain('*Cost impact:*\n+$750.00/month ($250.00/month now → $1000.00/month after)');
    expect(texts).toContain(
      '*Approvals:* 1 of 2: Bob Builder (web)\nWaiting for: <@U0ALICE>, Carol Ops, Dave Net',
    );
    expect(texts).toContain(
      '⏳ Escalates to team:managers at 2026-11-25 11:00 UTC (in 1 hour) if still waiting',
    );
    expect(texts).toContain(
      '*What follows*\n➡️ finance approval follows: cost +$750/month &gt; $500 (1 of team:finance)',
    );
    expectWithinBlockKitLimits(blocks);
  });

  it('says who escalated to whom once the level fired', () => {
    const gate = githubGate();
    gate.escalations = {
      '0': {
        at: new Date(T0 + 3600_000).toISOString(),
        people: [{ email: 'erin@acme.com', name: 'Erin Manager', role: 'admin' }],
      },
    };
    const texts = textObjects(gateMessage(gate, { ...CONTEXT, now: T0 + 3700_000 }).blocks);
    expect(texts).toContain(
      '⏫ Escalated to team:managers (Erin Manager) at 2026-11-25 11:00 UTC, after 1 hour without enough approvals',
    );
    expect(texts.join('\n')).toContain(
      'Waiting for: <@U0ALICE>, Bob Builder, Carol Ops, Dave Net, Erin Manager',
    );
  });

  it('stays inside Block Kit’s limits for a large plan, a big team and long texts, saying how many more', () => {
    const people = Array.from({ length: 300 }, (_, i) => ({
      email: `person${i}@acme.com`,
      name: `Person Number ${i} With A Rather Long Name`,
      role: 'developer' as const,
    }));
    const directory: Directory = {
      users: [...DIRECTORY.users, ...people],
      teams: { ...DIRECTORY.teams, everyone: people.map((p) => p.email) },
    };
    const input = requestInput(
      { approvers: ['team:everyone'], required: 3 },
      runInfo({ reason: 'x'.repeat(5000) }),
    );
    const resources = Array.from({ length: 200 }, (_, i) => ({
      address: `module.network.aws_subnet.private["${'az'.repeat(40)}-${i}"]`,
      action: 'create' as const,
    }));
    input.data.plan = {
      ...(input.data.plan as NonNullable<typeof input.data.plan>),
      add: 5000,
      change: 0,
      destroy: 0,
      resources,
      resources_truncated: true,
    };
    input.data.policy = {
      passed: 1,
      failed: 500,
      mandatory_failed: 500,
      results: Array.from({ length: 100 }, (_, i) => ({
        name: `policy-${i}`,
        source: 'conftest',
        severity: 'mandatory' as const,
        passed: false,
        message: 'm'.repeat(400),
      })),
      results_truncated: true,
    };
    const gate = buildGate({ directory, now: () => T0 }, input);
    const { blocks } = gateMessage(gate, CONTEXT);
    expectWithinBlockKitLimits(blocks);
    const texts = textObjects(blocks);
    const resourcesText = texts.find((t) => t.startsWith('*Resources*')) ?? '';
    expect(resourcesText.split('\n').filter((l) => l.startsWith('`+ '))).toHaveLength(15);
    expect(resourcesText).toMatch(/\n…and 4985 more$/);
    const policiesText = texts.find((t) => t.startsWith('*Failed policies*')) ?? '';
    expect(policiesText).toContain('✗ *policy-0* (mandatory)');
    const shownPolicies = policiesText.split('\n').filter((l) => l.startsWith('✗ ')).length;
    expect(policiesText).toMatch(new RegExp(`\\n…and ${500 - shownPolicies} more$`));
    const waiting = texts.find((t) => t.includes('Waiting for:')) ?? '';
    const named = (waiting.match(/Person Number \d+/g) ?? []).length;
    expect(named).toBeGreaterThan(10);
    expect(waiting).toMatch(new RegExp(`, …and ${300 - named} more$`));
  });
});

describe('fitList', () => {
  it('keeps the whole list when it fits, otherwise as many items as fit and how many more', () => {
    expect(fitList(['a', 'b', 'c'], ', ', 7)).toBe('a, b, c');
    expect(fitList(['aaaa', 'bbbb', 'cccc', 'dddd'], ', ', 20)).toBe('aaaa, …and 3 more');
    expect(fitList(['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'], ', ', 24)).toBe('aaaa, bbbb, …and 3 more');
    for (let max = 12; max < 60; max++) {
      expect(
        fitList(
          Array.from({ length: 30 }, (_, i) => `item-${i}`),
          '\n',
          max,
        ).length,
      ).toBeLessThanOrEqual(max);
    }
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildGateCard } from '../../../../functions/core/approval/gate-card.ts';
import { buildGate } from '../../../../functions/core/approval/request-approval.ts';
import { freezeNotice } from '../../../../functions/core/freeze/freeze-notice.ts';
import type { Gate } from '../../../../functions/core/ports.ts';
import { gateConfig as compileGateConfig } from '../../../../statemachines/compile.ts';
import type { CostSummary, GateConfig, RunInfo } from '../../../../statemachines/contract.ts';
import type { FreezeDefinition } from '../../../../statemachines/freezes.ts';
import { type ApprovalStep, workflowSchema } from '../../../../statemachines/schema.ts';
import { renderGateCard } from '../../../../web/gate-card.ts';
import {
  DIRECTORY,
  mergedPrRun,
  requestInput,
  runInfo,
  PR_SHA as SHA,
  T0,
} from '../../../support/approval-fixtures.ts';

const URL = 'https://signoff.example.com';

function gateOf(config: Partial<GateConfig> = {}, run: RunInfo = runInfo({ id: 'run-card' })): Gate {
  return buildGate({ directory: DIRECTORY, now: () => T0 }, requestInput(config, run));
}

const approval = (email: string, name: string, minutes = 5) => ({
  email,
  name,
  at: new Date(T0 + minutes * 60_000).toISOString(),
  channel: 'email' as const,
});

/** The escalation workflow's first gate, compiled as the state machine carries it. */
function escalationGateConfig(): GateConfig {
  const text = readFileSync('workflows/production-deploy-with-escalation.yaml', 'utf8');
  const workflow = workflowSchema.parse(parse(text));
  const step = workflow.steps.find((s) => s.id === 'approve') as ApprovalStep;
  return compileGateConfig(step, workflow);
}

function withCost(gate: Gate, cost: CostSummary): Gate {
  return { ...gate, data: { ...gate.data, cost } };
}

describe('buildGateCard: what', () => {
  it('shows the change counts, cost now, after and delta, and the policy results', () => {
    const gate = gateOf();
    gate.data.policy = {
      passed: 10,
      failed: 2,
      mandatory_failed: 1,
      results: [
        {
          name: 'no-public-buckets',
          source: 'signoff',
          severity: 'mandatory',
          passed: false,
          message: 'bucket is public',
        },
        { name: 'tags', source: 'conftest', severity: 'advisory', passed: false },
      ],
    };
    const { what } = buildGateCard(gate, T0, URL);
    expect(what.project).toBe('aws-production-network');
    expect(what.changes).toEqual({
      add: 3,
      change: 1,
      destroy: 0,
      replace: 0,
      text: '3 to add, 1 to change, 0 to destroy',
    });
    expect(what.resources).toEqual([{ address: 'aws_vpc.main', action: 'update' }]);
    expect(what.moreResources).toBe(3);
    expect(what.cost).toEqual({
      estimated: true,
      now: '$100.00/month',
      after: '$145.20/month',
      delta: '+$45.20/month',
      rising: true,
    });
    expect(what.policies).toEqual({
      text: '✗ 2 of 12 checks failed (1 mandatory)',
      checked: true,
      ok: false,
      failures: [
        { name: 'no-public-buckets', severity: 'mandatory', message: 'bucket is public' },
        { name: 'tags', severity: 'advisory' },
      ],
      moreFailures: 0,
    });
  });

  it('says why there is no cost figure, and leaves out what the gate does not include', () => {
    const unestimated = withCost(gateOf(), { estimated: false, reason: 'infracost is not installed' });
    expect(buildGateCard(unestimated, T0, URL).what.cost).toEqual({
      estimated: false,
      text: 'not estimated (infracost is not installed)',
    });
    const planOnly = buildGateCard(gateOf({ include: ['plan'] }), T0, URL).what;
    expect(planOnly.changes).toBeDefined();
    expect(planOnly.cost).toBeUndefined();
    expect(planOnly.policies).toBeUndefined();
    expect(buildGateCard(gateOf(), T0, URL).what.policies).toMatchObject({
      text: 'not checked',
      checked: false,
    });
  });
});

describe('buildGateCard: why', () => {
  it('gives the reason and, for a merged pull request, its number, title, author, link and commit', () => {
    const run = mergedPrRun(
      { number: 42, title: 'Widen the VPC' },
      { id: 'run-pr', reason: 'Widen the VPC for the new cluster', started_by: null },
    );
    const { why } = buildGateCard(gateOf({}, run), T0, URL);
    expect(why).toEqual({
      reason: 'Widen the VPC for the new cluster',
      requestedBy: 'GitHub PR #42 by octocat',
      trigger: 'github',
      pr: {
        number: 42,
        title: 'Widen the VPC',
        author: 'octocat',
        url: 'https://github.com/acme/infrastructure/pull/42',
        repository: 'acme/infrastructure',
      },
      commit: {
        text: '0123456 on main',
        sha: SHA,
        url: `https://github.com/acme/infrastructure/commit/${SHA}`,
      },
    });
  });

  it('names the person who started a manual run; a local repository commit has no link', () => {
    const run = runInfo({
      source: { type: 'repository', repository: 'local', commit: SHA, checkout: SHA },
    });
    const { why } = buildGateCard(gateOf({}, run), T0, URL);
    expect(why.requestedBy).toBe('Jane Requester (jane@acme.com)');
    expect(why.trigger).toBe('manual');
    expect(why.reason).toBeUndefined();
    expect(why.pr).toBeUndefined();
    expect(why.commit).toEqual({ text: '0123456', sha: SHA });
  });
});

describe('buildGateCard: who', () => {
  it('lists who may still approve: not those who approved, not viewers, not the requester', () => {
    const gate = gateOf({ approvers: ['team:platform-leads', 'user:jane@acme.com', 'user:vera@acme.com'] });
    gate.approved_by = [approval('bob@acme.com', 'Bob Builder')];
    const { who } = buildGateCard(gate, T0, URL);
    expect(who.progress).toBe('1 of 2 approvals');
    expect(who.approvedBy.map((a) => a.name)).toEqual(['Bob Builder']);
    expect(who.mayStillApprove.map((p) => p.email)).toEqual([
      'alice@acme.com',
      'carol@acme.com',
      'dave@acme.com',
    ]);
    expect(who.selfApproval).toBe('Jane Requester started this run and cannot approve it.');
  });

  it('lists the requester when the gate allows self-approval', () => {
    const gate = gateOf({
      approvers: ['user:jane@acme.com', 'user:bob@acme.com'],
      allow_self_approval: true,
    });
    const { who } = buildGateCard(gate, T0, URL);
    expect(who.mayStillApprove.map((p) => p.email)).toEqual(['jane@acme.com', 'bob@acme.com']);
    expect(who.selfApproval).toBeUndefined();
  });

  it('says finance approval follows when the cost rises past the threshold', () => {
    const gate = withCost(gateOf(escalationGateConfig()), {
      estimated: true,
      currency: 'USD',
      monthly_before: 1000,
      monthly_after: 1750,
      monthly_delta: 750,
    });
    expect(buildGateCard(gate, T0, URL).who.following).toEqual([
      {
        name: 'finance approval',
        approvers: '1 of team:finance',
        state: 'follows',
        because: ['cost +$750/month > $500'],
        text: 'finance approval follows: cost +$750/month > $500',
      },
    ]);
  });

  it('says finance approval is not needed under the threshold, and follows without an estimate', () => {
    const cheap = buildGateCard(gateOf(escalationGateConfig()), T0, URL).who.following[0];
    expect(cheap?.state).toBe('not_needed');
    expect(cheap?.text).toBe('finance approval is not needed: cost +$45.20/month ≤ $500');
    const unknown = withCost(gateOf(escalationGateConfig()), { estimated: false, reason: 'no infracost' });
    expect(buildGateCard(unknown, T0, URL).who.following[0]?.text).toBe(
      'finance approval follows: no value for cost, which leads here',
    );
  });

  it('says a gate that depends on this gate’s decision may follow', () => {
    const config: Partial<GateConfig> = {
      follows: [
        {
          step_id: 'second',
          name: 'second_look',
          approvers: ['team:managers'],
          required: 1,
          when: [
            {
              step_id: 'few',
              field: 'approval.approved_by_count',
              op: 'lt',
              value: 2,
              when_missing: 'fail',
              branch: 'then',
            },
          ],
        },
      ],
    };
    const pending = buildGateCard(gateOf(config), T0, URL).who.following[0];
    expect(pending).toMatchObject({ state: 'may_follow', text: 'second look may follow: if approvals < 2' });
    const approved = {
      ...gateOf(config),
      status: 'approved' as const,
      closed_at: new Date(T0).toISOString(),
    };
    approved.approved_by = [approval('bob@acme.com', 'Bob Builder')];
    expect(buildGateCard(approved, T0, URL).who.following[0]?.text).toBe(
      'second look follows: approvals 1 < 2',
    );
  });

  it('shows escalations that fired (to whom, when) and those still ahead', () => {
    const config = {
      escalation: [
        { after_seconds: 3600, approvers: ['team:managers'] },
        { after_seconds: 2 * 3600, approvers: ['user:omar@acme.com'] },
        { after_seconds: 5 * 3600, approvers: ['user:vera@acme.com'] },
      ],
    };
    const gate = gateOf(config);
    gate.escalations = {
      '0': {
        at: new Date(T0 + 3600_000).toISOString(),
        people: [{ email: 'erin@acme.com', name: 'Erin Manager', role: 'admin' }],
      },
    };
    const card = buildGateCard(gate, T0 + 90 * 60_000, URL);
    expect(card.who.escalations.map((e) => e.text)).toEqual([
      'Escalated to team:managers (Erin Manager) at 2026-11-25 11:00 UTC, after 1 hour without enough approvals',
      'Escalates to user:omar@acme.com at 2026-11-25 12:00 UTC (in 30 minutes) if still waiting',
    ]);
    expect(card.who.mayStillApprove.map((p) => p.email)).toContain('erin@acme.com');
  });
});

describe('buildGateCard: when', () => {
  it('gives the deadline and the time left, then how long the gate took', () => {
    const gate = gateOf();
    const card = buildGateCard(gate, T0 + 40 * 60_000, URL);
    expect(card.when).toMatchObject({
      deadline: '2026-11-25T14:00:00.000Z',
      deadlineText: '2026-11-25 14:00 UTC',
      timeLeft: '3 hours 20 minutes left',
    });
    expect(buildGateCard(gate, T0 + 5 * 3600_000, URL).when.timeLeft).toBe('expired 1 hour ago');
    const closed = {
      ...gate,
      status: 'approved' as const,
      closed_at: new Date(T0 + 25 * 60_000).toISOString(),
    };
    expect(buildGateCard(closed, T0 + 5 * 3600_000, URL).when.timeLeft).toBe('closed after 25 minutes');
  });
});

describe('buildGateCard: a change freeze', () => {
  const weekend: FreezeDefinition = {
    name: 'weekend',
    reason: 'No changes over the weekend',
    timezone: 'Europe/Berlin',
    environments: ['production'],
    workflows: [],
    apply: 'wait',
    weekly: { from: 'Wed 14:00', to: 'Thu 08:00' },
  };
  const workflow = { name: 'production-deploy', environment: 'production' };

  it('says an approved apply waits while a freeze is in effect, and when one starts before the deadline', () => {
    // T0 is Wednesday 2026-11-25 10:00 UTC (11:00 in Berlin); the gate closes at 14:00 UTC.
    const deadline = T0 + 4 * 3600_000;
    const ahead = freezeNotice([weekend], [], workflow, T0, deadline);
    expect(ahead).toBe(
      'A change freeze starts 2026-11-25 14:00 CET (weekend: No changes over the weekend); an apply after that waits until it ends.',
    );
    const card = buildGateCard(gateOf(), T0, URL, ahead);
    expect(card.freeze).toBe(ahead);
    const html = String(renderGateCard(card));
    expect(html).toContain('<dt>Freeze</dt>');
    const now = freezeNotice([weekend], [], workflow, T0 + 3 * 3600_000, deadline);
    expect(now).toBe(
      'An approved apply waits: frozen until 2026-11-26 08:00 CET (weekend: No changes over the weekend).',
    );
    expect(freezeNotice([weekend], [], workflow, T0, T0 + 3600_000)).toBeUndefined();
    expect(
      freezeNotice([weekend], [], { ...workflow, environment: 'staging' }, T0 + 3 * 3600_000, deadline),
    ).toBeUndefined();
  });

  it('says nothing of a freeze once the gate is closed', () => {
    const closed: Gate = { ...gateOf(), status: 'approved', closed_at: new Date(T0).toISOString() };
    expect(buildGateCard(closed, T0, URL, 'An approved apply waits: ...').freeze).toBeUndefined();
  });
});

describe('buildGateCard: the gate in each state', () => {
  const closedAt = new Date(T0 + 30 * 60_000).toISOString();

  it('waiting', () => {
    const gate = gateOf();
    gate.approved_by = [approval('bob@acme.com', 'Bob Builder')];
    const card = buildGateCard(gate, T0, URL);
    expect(card.headline).toBe('Waiting for 1 more approval (1 of 2 so far)');
    expect(card.who.mayStillApprove).toHaveLength(3);
  });

  it('approved', () => {
    const gate: Gate = {
      ...gateOf(),
      status: 'approved',
      closed_at: closedAt,
      approved_by: [approval('bob@acme.com', 'Bob Builder'), approval('carol@acme.com', 'Carol Ops')],
    };
    const card = buildGateCard(gate, T0 + 3600_000, URL);
    expect(card.headline).toBe('Approved at 2026-11-25 10:30 UTC by Bob Builder and Carol Ops');
    expect(card.who.mayStillApprove).toEqual([]);
    expect(card.who.selfApproval).toBeUndefined();
  });

  it('rejected', () => {
    const gate: Gate = {
      ...gateOf(),
      status: 'rejected',
      closed_at: closedAt,
      closed_by: { email: 'dave@acme.com', name: 'Dave Net' },
      close_comment: 'PR 42 changes the wrong CIDR',
    };
    const card = buildGateCard(gate, T0 + 3600_000, URL);
    expect(card.headline).toBe(
      'Rejected by Dave Net at 2026-11-25 10:30 UTC: “PR 42 changes the wrong CIDR”',
    );
    expect(card.who.mayStillApprove).toEqual([]);
  });

  it('timed out', () => {
    const deadline = new Date(T0 + 4 * 3600_000).toISOString();
    const gate: Gate = { ...gateOf(), status: 'timed_out', closed_at: deadline };
    gate.approved_by = [approval('bob@acme.com', 'Bob Builder')];
    const card = buildGateCard(gate, T0 + 5 * 3600_000, URL);
    expect(card.headline).toBe(
      'Timed out at 2026-11-25 14:00 UTC with 1 of 2 approvals; the run was cancelled',
    );
    expect(card.when.timeLeft).toBe('closed after 4 hours');
    const rejecting = buildGateCard({ ...gate, config: { ...gate.config, on_timeout: 'reject' } }, T0, URL);
    expect(rejecting.headline).toMatch(/the run was rejected$/);
  });

  it('escalated', () => {
    const gate = gateOf({ escalation: [{ after_seconds: 3600, approvers: ['team:managers'] }] });
    gate.escalations = {
      '0': {
        at: new Date(T0 + 3600_000).toISOString(),
        people: [{ email: 'erin@acme.com', name: 'Erin Manager', role: 'admin' }],
      },
    };
    const card = buildGateCard(gate, T0 + 3700_000, URL);
    expect(card.headline).toBe('Waiting for 2 more approvals (0 of 2 so far)');
    expect(card.who.escalations).toEqual([
      {
        to: 'team:managers',
        people: ['Erin Manager'],
        at: '2026-11-25T11:00:00.000Z',
        fired: true,
        text: 'Escalated to team:managers (Erin Manager) at 2026-11-25 11:00 UTC, after 1 hour without enough approvals',
      },
    ]);
    expect(card.who.mayStillApprove.at(-1)).toEqual({ name: 'Erin Manager', email: 'erin@acme.com' });
  });
});

import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../../functions/adapters/memory-audit-log.ts';
import { MemoryFreezeStore } from '../../../../functions/adapters/memory-freeze-store.ts';
import { MemoryLockStore } from '../../../../functions/adapters/memory-lock-store.ts';
import { gateMessage } from '../../../../functions/adapters/slack-blocks.ts';
import { buildApprovalView } from '../../../../functions/core/approval/approval-view.ts';
import { requestApproval } from '../../../../functions/core/approval/request-approval.ts';
import { endFreeze, listFreezes, startFreeze } from '../../../../functions/core/freeze/adhoc-freezes.ts';
import { checkFreeze, recheckAfterMs } from '../../../../functions/core/freeze/check-freeze.ts';
import { createWorkflowCatalog } from '../../../../functions/core/runs/workflow-catalog.ts';
import type { CheckFreezeInput } from '../../../../statemachines/contract.ts';
import type { FreezeDefinition } from '../../../../statemachines/freezes.ts';
import { workflowSchema } from '../../../../statemachines/schema.ts';
import { renderApprovalEmail } from '../../../../web/approval-email.ts';
import {
  createClock,
  createMemoryDeps,
  DIRECTORY,
  requestInput,
  runInfo,
  T0,
} from '../../../support/approval-fixtures.ts';

const workflow = workflowSchema.parse({
  name: 'production-deploy',
  environment: 'production',
  steps: [
    { id: 'plan', type: 'iac', project: 'site', action: 'plan' },
    { id: 'approve', type: 'approval', approvers: ['team:platform-leads'] },
    { id: 'apply', type: 'iac', project: 'site', action: 'apply' },
  ],
});
const staging = workflowSchema.parse({ ...workflow, name: 'staging-deploy', environment: 'staging' });
// Friday 2026-12-04 16:00 to Monday 08:00, Berlin.
const weekend: FreezeDefinition = {
  name: 'weekend',
  reason: 'No changes over the weekend',
  timezone: 'Europe/Berlin',
  environments: ['production'],
  workflows: [],
  apply: 'wait',
  weekly: { from: 'Fri 16:00', to: 'Mon 08:00' },
};

function setup(windows: FreezeDefinition[] = [], start = Date.parse('2026-12-05T10:00:00Z')) {
  const clock = createClock(start);
  const audit = new MemoryAuditLog(clock.now);
  const freezes = new MemoryFreezeStore();
  const locks = new MemoryLockStore();
  const deps = {
    freezes,
    freezeWindows: windows,
    locks,
    audit,
    directory: DIRECTORY,
    workflows: createWorkflowCatalog([workflow, staging], 'arn:aws:states:us-east-1:1:stateMachine:signoff-'),
    now: clock.now,
    freezePollSeconds: 60,
  };
  return { deps, clock, audit, freezes, locks };
}

function input(overrides: Partial<CheckFreezeInput> = {}): CheckFreezeInput {
  return {
    kind: 'check_freeze',
    run: runInfo({ workflow: 'production-deploy', environment: 'production' }),
    step_id: 'apply',
    lease_seconds: 7200,
    frozen_since: null,
    ...overrides,
  };
}

describe('checkFreeze', () => {
  it('goes on when no freeze covers the run', async () => {
    const { deps, audit } = setup([weekend], Date.parse('2026-12-07T09:00:00Z'));
    expect(await checkFreeze(deps, input())).toEqual({ frozen: false, frozen_since: null });
    expect(audit.events).toEqual([]);
  });

  it('holds a covered apply: says why and until when, keeps the project lock, audits once', async () => {
    const { deps, audit, locks, clock } = setup([weekend]);
    const first = input();
    await locks.acquire(
      'site',
      {
        run_id: first.run.id,
        workflow: 'production-deploy',
        acquired_at: '2026-12-05T09:00:00.000Z',
        expires_at: '2026-12-05T11:00:00.000Z',
      },
      0,
      '2026-12-05T09:00:00.000Z',
    );
    const result = await checkFreeze(deps, first);
    expect(result).toEqual({
      frozen: true,
      frozen_since: '2026-12-05T10:00:00.000Z',
      recheck_at: '2026-12-05T10:01:00.000Z',
      until: '2026-12-07T07:00:00.000Z',
      freezes: [{ name: 'weekend', reason: 'No changes over the weekend' }],
    });
    // The lease runs a whole lease past the next check.
    expect((await locks.get('site'))?.holder?.expires_at).toBe('2026-12-05T12:01:00.000Z');
    clock.advance(60_000);
    await checkFreeze(deps, { ...first, frozen_since: result.frozen_since });
    expect(audit.events.map((e) => [e.action, e.reason])).toEqual([
      [
        'apply_frozen',
        'Apply waits: frozen until 2026-12-07 08:00 CET (weekend: No changes over the weekend)',
      ],
    ]);
  });

  it('fails the run with Frozen when the freeze says apply: fail', async () => {
    const { deps, audit } = setup([{ ...weekend, apply: 'fail' }]);
    await expect(checkFreeze(deps, input())).rejects.toMatchObject({
      name: 'Frozen',
      message: expect.stringContaining('frozen until 2026-12-07 08:00 CET'),
    });
    expect(audit.events.map((e) => e.action)).toEqual(['apply_frozen']);
  });

  it('lets an emergency bypass through, audited freeze_overridden with its justification', async () => {
    const { deps, audit } = setup([weekend]);
    const run = runInfo({
      bypass: true,
      reason: 'INC-42: hotfix',
      started_by: { email: 'alice@acme.com', name: 'Alice Lead' },
    });
    const result = await checkFreeze(deps, input({ run }));
    expect(result).toMatchObject({ frozen: false, overridden: true });
    expect(audit.events).toMatchObject([
      {
        action: 'freeze_overridden',
        actor: { email: 'alice@acme.com' },
        reason: expect.stringContaining("justification: 'INC-42: hotfix'"),
      },
    ]);
  });

  it('an ad-hoc freeze an admin starts holds the next check, and ending it lets the apply go', async () => {
    const { deps, audit, clock } = setup();
    const started = await startFreeze(deps, {
      actor: 'alice@acme.com',
      reason: 'incident 42',
      environments: ['production'],
    });
    expect(started.kind).toBe('ok');
    if (started.kind !== 'ok') return;
    const held = await checkFreeze(deps, input());
    expect(held).toMatchObject({
      frozen: true,
      freezes: [{ name: started.freeze.id, reason: 'incident 42' }],
    });
    expect(held.until).toBeUndefined();
    expect(
      await checkFreeze(
        deps,
        input({ run: runInfo({ workflow: 'staging-deploy', environment: 'staging' }) }),
      ),
    ).toMatchObject({ frozen: false });
    clock.advance(5 * 60_000);
    expect(await endFreeze(deps, 'alice@acme.com', started.freeze.id)).toMatchObject({ kind: 'ok' });
    expect(await checkFreeze(deps, input())).toMatchObject({ frozen: false });
    expect(audit.events.map((e) => e.action)).toEqual(['freeze_started', 'apply_frozen', 'freeze_ended']);
    expect(await endFreeze(deps, 'alice@acme.com', started.freeze.id)).toMatchObject({
      kind: 'refused',
      status: 404,
    });
  });

  it('checks again after the poll at first, then less often, and never after the freeze ends', () => {
    const now = 0;
    expect(recheckAfterMs(300, 0, undefined, now)).toBe(300_000);
    expect(recheckAfterMs(300, 24 * 3_600_000, undefined, now)).toBe(3_600_000);
    expect(recheckAfterMs(300, 0, 90_000, now)).toBe(90_000);
  });
});

describe('ad-hoc freezes', () => {
  it('only admins start or end one; the refusal is audited', async () => {
    const { deps, audit, freezes } = setup();
    expect(await startFreeze(deps, { actor: 'bob@acme.com', reason: 'x' })).toEqual({
      kind: 'refused',
      status: 403,
      message: 'only admins may start or end a freeze',
    });
    expect(freezes.freezes).toEqual([]);
    expect(audit.events).toMatchObject([
      { action: 'refused', actor: { email: 'bob@acme.com' }, details: { attempted: 'freeze_start' } },
    ]);
  });

  it.each([
    [{}, 'reason is required'],
    [
      { reason: 'x', environments: ['prod'] },
      'environments: "prod" is not known (known: production, staging)',
    ],
    [{ reason: 'x', workflows: 'production-deploy' }, 'workflows must be a list of names'],
    [{ reason: 'x', apply: 'skip' }, 'apply must be wait or fail'],
    [{ reason: 'x', duration: '90' }, 'duration must be a number followed by m, h or d'],
    [{ reason: 'x', duration: '91d' }, 'duration must be at most 90d'],
  ])('refuses %j with 400 and stores nothing', async (body, message) => {
    const { deps, freezes } = setup();
    const outcome = await startFreeze(deps, { actor: 'alice@acme.com', ...body });
    expect(outcome).toMatchObject({
      kind: 'refused',
      status: 400,
      message: expect.stringContaining(message),
    });
    expect(freezes.freezes).toEqual([]);
  });

  it('lists what is in effect and what is to come, configured and ad hoc', async () => {
    const { deps } = setup([weekend], Date.parse('2026-12-08T10:00:00Z'));
    await startFreeze(deps, { actor: 'alice@acme.com', reason: 'incident 42', duration: '2h' });
    const listed = await listFreezes(deps);
    expect(listed.active).toMatchObject([
      {
        reason: 'incident 42',
        adhoc: true,
        ends_at: '2026-12-08T12:00:00.000Z',
        environments: [],
        workflows: [],
      },
    ]);
    expect(listed.upcoming.map((f) => [f.name, f.starts_at])).toEqual([
      ['weekend', '2026-12-11T15:00:00.000Z'],
      ['weekend', '2026-12-18T15:00:00.000Z'],
    ]);
  });
});

describe('a freeze on the gate card in Slack and email', () => {
  it('is read when the gate is requested, kept on the gate, and shown in the Slack message and the email', async () => {
    const deps = createMemoryDeps();
    const launch: FreezeDefinition = {
      name: 'launch',
      reason: 'Launch day',
      timezone: 'UTC',
      environments: ['production'],
      workflows: [],
      apply: 'wait',
      from: '2026-11-25 00:00',
      to: '2026-11-26 00:00',
    };
    const { gate } = await requestApproval(
      { ...deps, freezes: new MemoryFreezeStore(), freezeWindows: [launch] },
      requestInput(),
    );
    expect(gate.freeze_notice).toBe(
      'An approved apply waits: frozen until 2026-11-26 00:00 UTC (launch: Launch day).',
    );
    expect((await deps.gates.get(gate.gate_id))?.freeze_notice).toBe(gate.freeze_notice);
    const slack = JSON.stringify(
      gateMessage(gate, { publicUrl: 'https://signoff.example.com', now: T0 }).blocks,
    );
    expect(slack).toContain('*Change freeze:* An approved apply waits: frozen until 2026-11-26 00:00 UTC');
    const email = renderApprovalEmail(
      buildApprovalView(gate, T0, 'https://signoff.example.com'),
      'https://signoff.example.com/approvals/x',
      'Bob',
    );
    expect(email.text).toContain(
      'An approved apply waits: frozen until 2026-11-26 00:00 UTC (launch: Launch day).',
    );
    // Without freezes the card says nothing of them.
    const { gate: plain } = await requestApproval(createMemoryDeps(), requestInput());
    expect(plain.freeze_notice).toBeUndefined();
  });
});

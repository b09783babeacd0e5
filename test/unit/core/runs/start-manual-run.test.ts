import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../../functions/adapters/memory-audit-log.ts';
import { MemoryRunStore } from '../../../../functions/adapters/memory-run-store.ts';
import type { RunEngine } from '../../../../functions/core/ports.ts';
import { snapshotSource } from '../../../../functions/core/runs/source.ts';
import { parseManualStart, startManualRun } from '../../../../functions/core/runs/start-manual-run.ts';
import { createWorkflowCatalog } from '../../../../functions/core/runs/workflow-catalog.ts';
import { workflowSchema } from '../../../../statemachines/schema.ts';
import { DIRECTORY } from '../../../support/approval-fixtures.ts';

/** An emergency workflow (production, no gate) whose manual roles let developers in too. */
const emergency = workflowSchema.parse({
  name: 'hotfix',
  environment: 'production',
  triggers: { manual: { roles: ['developer', 'admin'] } },
  steps: [{ id: 'plan', type: 'iac', project: 'net', action: 'plan' }],
});

function setup() {
  const started: string[] = [];
  const runEngine: RunEngine = {
    async start(_arn, runId) {
      started.push(runId);
      return { executionArn: `arn:x:${runId}`, startedAt: new Date(0).toISOString() };
    },
    async describe() {
      return { status: 'RUNNING' };
    },
    async history() {
      return [];
    },
    async stop() {},
  };
  const deps = {
    runs: new MemoryRunStore(),
    runEngine,
    audit: new MemoryAuditLog(),
    workflows: createWorkflowCatalog([emergency], 'arn:aws:states:us-east-1:1:stateMachine:signoff-'),
    directory: DIRECTORY,
    source: snapshotSource,
    now: () => Date.parse('2026-12-01T10:00:00Z'),
  };
  return { deps, started };
}

describe('parseManualStart', () => {
  it('names every problem with its field', () => {
    expect(parseManualStart({ workflow: '', reason: 'r'.repeat(1001), extra: 1 })).toEqual({
      ok: false,
      message: expect.stringMatching(/^workflow: .+; reason: .+; body: .+extra/),
    });
    expect(parseManualStart({ workflow: 'hotfix', ref: 'main' })).toEqual({
      ok: true,
      value: { workflow: 'hotfix', ref: 'main' },
    });
  });
});

describe('startManualRun', () => {
  it('refuses a developer an emergency workflow with 403, audited, even when its roles list developers', async () => {
    const { deps, started } = setup();
    const outcome = await startManualRun(deps, 'bob@acme.com', { workflow: 'hotfix', reason: 'outage' });
    expect(outcome).toEqual({
      kind: 'refused',
      status: 403,
      message:
        'hotfix is an emergency workflow (production, no approval gate): only admins may start it; bob@acme.com is developer',
    });
    expect(started).toEqual([]);
    expect(deps.audit.events.map((e) => [e.action, e.actor.email])).toEqual([
      ['start_refused', 'bob@acme.com'],
    ]);
  });

  it('lets an admin start it with a reason, flagged as a bypass', async () => {
    const { deps, started } = setup();
    expect(await startManualRun(deps, 'alice@acme.com', { workflow: 'hotfix' })).toMatchObject({
      kind: 'refused',
      status: 400,
    });
    const outcome = await startManualRun(deps, 'alice@acme.com', { workflow: 'hotfix', reason: 'outage' });
    expect(outcome).toMatchObject({ kind: 'started', run: { bypass: true, reason: 'outage' } });
    expect(started).toHaveLength(1);
    expect(deps.audit.events.at(-1)?.action).toBe('bypass_started');
  });
});

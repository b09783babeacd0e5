import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestRuntime } from '../../support/runtime.ts';

describe('local runtime restart', () => {
  it('keeps a run parked at a gate across a stop: a vote after the restart approves it and the run applies', async () => {
    // Issue: after a restart every parked run was FAILED LocalRuntimeRestarted, its gate cancelled,
    // and it could no longer be approved.
    const dataDir = mkdtempSync(join(tmpdir(), 'signoff-restart-'));
    const first = await startTestRuntime({ dataDir });
    const run = await first.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await first.pendingGate('jane@acme.com', run.id, 'approve');
    await first.stop();

    const second = await startTestRuntime({ dataDir });
    try {
      const { body: parked } = await second.api('jane@acme.com', 'GET', `/api/runs/${run.id}`);
      expect(parked.run.status).toBe('RUNNING');
      expect(parked.gates[0].gate.status).toBe('pending');

      const vote = await second.vote('alice@acme.com', gateId, 'approve');
      expect(vote.body).toMatchObject({ kind: 'counted', status: 'approved' });
      const done = await second.waitFor('jane@acme.com', run.id, () => false);
      expect(done.run.status).toBe('SUCCEEDED');
      expect(done.steps.map((s) => [s.id, s.status])).toEqual([
        ['plan', 'succeeded'],
        ['approve', 'succeeded'],
        ['apply', 'succeeded'],
        ['notify', 'succeeded'],
      ]);

      const { body: audit } = await second.api('alice@acme.com', 'GET', `/api/audit?run=${run.id}`);
      expect(audit.events.map((e: { action: string }) => e.action).reverse()).toEqual([
        'run_started',
        'lock_acquired',
        'requested',
        'approved',
        'applied',
        'notified',
        'lock_released',
        'run_finished',
      ]);
      const verify = await second.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
      expect(verify.body.ok).toBe(true);
    } finally {
      await second.stop();
    }
  }, 120_000);
});

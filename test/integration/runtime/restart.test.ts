import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestRuntime } from '../../support/runtime.ts';

describe('local runtime restart', () => {
  it('keeps runs and the audit trail, marks the interrupted run failed and closes its gate', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signoff-restart-'));
    const first = await startTestRuntime({ dataDir });
    const run = await first.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await first.pendingGate('jane@acme.com', run.id, 'approve');
    await first.stop();

    const second = await startTestRuntime({ dataDir });
    try {
      const { body: view } = await second.api('jane@acme.com', 'GET', `/api/runs/${run.id}`);
      expect(view.run).toMatchObject({ status: 'FAILED', error: 'LocalRuntimeRestarted' });
      expect(view.run.cause).toMatch(/stopped while this execution was running/);
      expect(view.gates[0].gate.status).toBe('cancelled');

      const vote = await second.vote('alice@acme.com', gateId, 'approve');
      expect(vote.status).toBe(409);

      const { body: audit } = await second.api('alice@acme.com', 'GET', `/api/audit?run=${run.id}`);
      // Issue 13: after a restart the audit listed run_finished before gate_cancelled.
      expect(audit.events.map((e: { action: string }) => e.action).reverse()).toEqual([
        'run_started',
        'lock_acquired',
        'requested',
        'lock_released',
        'gate_cancelled',
        'run_finished',
        'refused',
      ]);
      const verify = await second.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
      expect(verify.body.ok).toBe(true);
    } finally {
      await second.stop();
    }
  });
});

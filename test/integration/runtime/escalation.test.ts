import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

let rt: TestRuntime;

beforeAll(async () => {
  // The escalation example pulls in the SRE managers after 1 h; here that hour takes 3.6 s.
  rt = await startTestRuntime({ escalationDelayScale: 0.001 });
});
afterAll(async () => {
  await rt?.stop();
});

describe('production-deploy-with-escalation on the local runtime', () => {
  it('escalates to the SRE managers when nobody decided, and the escalated manager can approve', async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-escalation');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    expect((await rt.vote('olivia@acme.com', gateId, 'approve')).status).toBe(403);

    const escalated = await rt.waitFor(
      'jane@acme.com',
      run.id,
      (v) => Object.keys(v.gates[0]?.gate.escalations ?? {}).length > 0,
      30_000,
    );
    expect(escalated.gates[0]?.asked.map((a) => a.email)).toContain('olivia@acme.com');
    const { body: audit } = await rt.api('jane@acme.com', 'GET', `/api/audit?run=${run.id}`);
    expect(audit.events.map((e: { action: string }) => e.action)).toContain('escalated');

    expect((await rt.vote('olivia@acme.com', gateId, 'approve', 'on call, approved')).body).toMatchObject({
      status: 'approved',
    });
    // $750.50/month: finance must approve too.
    const finance = await rt.pendingGate('jane@acme.com', run.id, 'finance_approval');
    await rt.vote('frank@acme.com', finance, 'approve');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
  });
});

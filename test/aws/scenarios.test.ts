/**
 * End-to-end runs on signoff as deployed by its synthesized template into moto, every function
 * with exactly its role's grants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthSignoff } from '../infra/synth.ts';
import { type AwsRuntime, startAwsRuntime } from './support/aws-runtime.ts';
import { motoMissing } from './support/moto.ts';

const missing = motoMissing();
if (missing && process.env.CI) throw new Error(`the AWS contract suite needs moto_server in CI: ${missing}`);

describe.skipIf(Boolean(missing))('signoff deployed into moto with per-function IAM', () => {
  let rt: AwsRuntime;
  beforeAll(async () => {
    const { template } = synthSignoff({ bundle: false });
    rt = await startAwsRuntime({ template: template.toJSON() as never, approvalTimeoutSeconds: 20 });
  }, 120_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it('plan, approve through the API, apply, notify', async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const ok = await rt.vote('alice@acme.com', gateId, 'approve', 'looks good');
    expect(ok.body).toMatchObject({ kind: 'counted', status: 'approved' });
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(rt.gate.denials).toEqual([]);
    expect(done.run.status).toBe('SUCCEEDED');
  });
});

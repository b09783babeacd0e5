/**
 * Issue 11, defect 1, as it happens in an account: after a clean apply summarize-step reads
 * drift.json, which an apply writes only when the plan drifted. Without s3:ListBucket S3 answers
 * that GET with 403 AccessDenied, not 404, so the run that had just applied ended FAILED and the
 * audit never got `applied`. This deploys the template with that one grant taken away and shows
 * the failure the fixed template (scenarios.test.ts) no longer has.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthSignoff } from '../infra/synth.ts';
import { type AwsRuntime, startAwsRuntime } from './support/aws-runtime.ts';
import { motoMissing } from './support/moto.ts';

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, any> }> };

const missing = motoMissing();
if (missing && process.env.CI) throw new Error(`the AWS contract suite must run in CI: ${missing}`);

/** The template with s3:ListBucket taken from the summarize-step function's role. */
function withoutSummarizeListBucket(template: Template): Template {
  const copy = structuredClone(template);
  const fn = Object.values(copy.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === 'signoff-summarize-step',
  );
  const role = fn?.Properties?.Role['Fn::GetAtt'][0];
  let removed = 0;
  for (const r of Object.values(copy.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy' || !r.Properties?.Roles.some((x: { Ref?: string }) => x.Ref === role))
      continue;
    const doc = r.Properties.PolicyDocument;
    const kept = doc.Statement.filter(
      (s: { Action: string | string[] }) => ![s.Action].flat().includes('s3:ListBucket'),
    );
    removed += doc.Statement.length - kept.length;
    doc.Statement = kept;
  }
  if (removed !== 1) throw new Error(`expected to remove one ListBucket statement, removed ${removed}`);
  return copy;
}

describe.skipIf(Boolean(missing))('summarize-step without s3:ListBucket on the artifacts bucket', () => {
  let rt: AwsRuntime;
  beforeAll(async () => {
    const { template } = synthSignoff({ bundle: false });
    rt = await startAwsRuntime({ template: withoutSummarizeListBucket(template.toJSON() as Template) });
  }, 180_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it('fails the run after the apply, because S3 answers the missing drift.json with 403', {
    timeout: 120_000,
  }, async () => {
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    await rt.vote('alice@acme.com', await rt.pendingGate('jane@acme.com', run.id, 'approve'), 'approve');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('FAILED');
    expect(done.run.cause).toContain(`access denied reading s3://`);
    expect(rt.gate.denials).toEqual([
      expect.objectContaining({
        action: 's3:ListBucket (missing key answered 403)',
        resource: expect.stringMatching(new RegExp(`/runs/${run.id}/apply/drift\\.json$`)),
      }),
    ]);
    const actions = (await rt.depsOf('admin').auditQuery.readRun(run.id)).map((e) => e.action);
    expect(actions).not.toContain('applied');
  });
});

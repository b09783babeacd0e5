/**
 * What the first real `cdk deploy` depends on and the other infra tests do not see: reads of
 * missing artifacts answer 404 rather than 403, a retry after a failed deploy does not collide
 * on names, and cfn-lint finds no errors in the template.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { allStatements, render, type Statement, synthSignoff } from './synth.ts';

let template: Template;
let templateFile: string;
let statements: Statement[];

beforeAll(() => {
  const built = synthSignoff({ bundle: false });
  built.app.synth();
  template = built.template;
  templateFile = join(built.outdir, `${built.stack.artifactId}.template.json`);
  statements = allStatements(template);
}, 120_000);

const artifactsBucket = () => {
  const [id] = Object.entries(template.findResources('AWS::S3::Bucket')).find(
    ([, bucket]) => bucket.Properties.VersioningConfiguration?.Status === 'Enabled',
  ) as [string, unknown];
  return `<${id}.Arn>`;
};

describe('reading run artifacts', () => {
  it('gives every role that reads artifacts s3:ListBucket on the bucket, under runs/ only', () => {
    const bucket = artifactsBucket();
    const readers = [
      ...new Set(
        statements
          .filter((s) => s.actions.includes('s3:GetObject') && s.resources.includes(`${bucket}/runs/*`))
          .flatMap((s) => s.roles),
      ),
    ].sort();
    // Two functions (web, summarize-step) and the four apply roles (one of them imported from
    // context); plan roles only write artifacts.
    expect(readers).toHaveLength(6);
    expect(readers).toContain('database-deployer');
    for (const role of readers) {
      const listing = statements.filter((s) => s.roles.includes(role) && s.actions.includes('s3:ListBucket'));
      expect(listing, role).toEqual([
        expect.objectContaining({
          actions: ['s3:ListBucket'],
          resources: [bucket],
          condition: { StringLike: { 's3:prefix': ['runs/*'] } },
        }),
      ]);
    }
  });

  it('lists nothing outside runs/ and never without the prefix condition', () => {
    for (const s of statements.filter((s) => s.actions.includes('s3:ListBucket'))) {
      if (!s.resources.includes(artifactsBucket())) continue;
      expect(s.condition).toEqual({ StringLike: { 's3:prefix': ['runs/*'] } });
    }
  });
});

describe('a retried first deploy', () => {
  // Resource type -> the property that would hold a fixed physical name.
  const NAMED = {
    'AWS::SecretsManager::Secret': 'Name',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::S3::Bucket': 'BucketName',
    'AWS::Scheduler::ScheduleGroup': 'Name',
    'AWS::Logs::LogGroup': 'LogGroupName',
  } as const;

  it('gives secrets, tables, buckets and the schedule group no fixed name', () => {
    const names: Record<string, string[]> = {};
    for (const [type, property] of Object.entries(NAMED)) {
      if (type === 'AWS::Logs::LogGroup') continue;
      names[type] = Object.values(template.findResources(type))
        .map((r) => r.Properties?.[property])
        .filter((name) => name !== undefined)
        .map(render)
        .sort();
    }
    expect(names).toEqual({
      'AWS::SecretsManager::Secret': [
        'signoff/<DeploymentId>/deployments-slack-webhook',
        'signoff/<DeploymentId>/github-app-id',
        'signoff/<DeploymentId>/github-app-private-key',
        'signoff/<DeploymentId>/github-webhook-secret',
        'signoff/<DeploymentId>/link-signing-key',
        'signoff/<DeploymentId>/slack-bot-token',
        'signoff/<DeploymentId>/slack-signing-secret',
        'signoff/<DeploymentId>/webhook-production-deploy-with-escalation',
        'signoff/<DeploymentId>/webhook-staging-deploy',
      ],
      // CloudFormation names them: <stack>-<logical id>-<random>, new on every creation.
      'AWS::DynamoDB::Table': [],
      'AWS::S3::Bucket': [],
      'AWS::Scheduler::ScheduleGroup': ['signoff-<DeploymentId>'],
    });
  });

  it('leaves nothing behind under a fixed name: every retained resource is named by CloudFormation', () => {
    const retained = Object.entries(template.toJSON().Resources as Record<string, any>).filter(
      ([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate',
    );
    expect(retained.map(([, r]) => r.Type).sort()).toEqual([
      'AWS::DynamoDB::Table',
      'AWS::DynamoDB::Table',
      'AWS::DynamoDB::Table',
      'AWS::DynamoDB::Table',
      // The third is the audit archive (Object Lock): kept, like the other two.
      'AWS::S3::Bucket',
      'AWS::S3::Bucket',
      'AWS::S3::Bucket',
    ]);
    for (const [id, r] of retained) {
      const property = NAMED[r.Type as keyof typeof NAMED];
      expect(r.Properties[property], id).toBeUndefined();
      expect(r.Properties.Tags, id).toContainEqual({ Key: 'signoff:deployment', Value: 'signoff' });
    }
  });

  it('tells the user the real secret names', () => {
    const outputs = template.findOutputs('*');
    expect(render(outputs.SecretsPrefix?.Value)).toBe('signoff/<DeploymentId>/');
    expect(render(outputs.SecretsToFill?.Value)).toBe(
      [
        'signoff/<DeploymentId>/slack-bot-token',
        'signoff/<DeploymentId>/slack-signing-secret',
        'signoff/<DeploymentId>/deployments-slack-webhook',
        'signoff/<DeploymentId>/github-app-id',
        'signoff/<DeploymentId>/github-app-private-key',
      ].join(' '),
    );
    expect(outputs.GitHubAppPermissions?.Value).toBe(
      'Checks: Read and write; Pull requests: Read and write; Metadata: Read-only',
    );
  });
});

/** Why cfn-lint cannot run here, or undefined when it is on PATH. */
function cfnLintMissing(): string | undefined {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore', timeout: 60_000 });
    return undefined;
  } catch {
    return 'cfn-lint is not on PATH';
  }
}

/** Warnings acknowledged, each with the reason it does not matter for this template. */
const CFN_LINT_ACKNOWLEDGED: Record<string, string> = {
  W3005:
    'CDK writes DependsOn on a role and its default policy next to a GetAtt of the role; the duplicate dependency is harmless and comes from aws-cdk-lib, not from signoff.',
};

const missing = cfnLintMissing();
if (missing && process.env.CI === 'true') throw new Error(`the infra tests need cfn-lint in CI: ${missing}`);

describe.skipIf(Boolean(missing))(`cfn-lint${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('finds no errors and no unacknowledged warnings in the synthesized template', () => {
    const run = spawnSync(
      'cfn-lint',
      ['--format', 'json', '--ignore-checks', ...Object.keys(CFN_LINT_ACKNOWLEDGED), '--', templateFile],
      { encoding: 'utf8', timeout: 300_000 },
    );
    const findings = (JSON.parse(run.stdout || '[]') as { Rule: { Id: string }; Message: string }[]).map(
      (f) => `${f.Rule.Id} ${f.Message}`,
    );
    expect(findings).toEqual([]);
    // The exit status is a bit mask: 2 errors, 4 warnings, 8 informational; 0 is clean.
    expect(run.status, run.stderr).toBe(0);
  }, 300_000);
});

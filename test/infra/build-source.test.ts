/**
 * With `signoff:source`, builds check out the run's commit of the team's repository instead of
 * the deploy-time snapshot: the template's CodeBuild projects, state machines, functions and
 * roles say so, and cfn-lint and cdk-nag accept it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { allStatements, type Statement, synthSignoff } from './synth.ts';

const CONNECTION =
  'arn:aws:codeconnections:eu-west-1:123456789012:connection/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

let built: ReturnType<typeof synthSignoff>;
let template: Template;
let statements: Statement[];
beforeAll(() => {
  built = synthSignoff({
    bundle: false,
    context: { 'signoff:source': { github: 'acme/infra', connectionArn: CONNECTION, branch: 'main' } },
  });
  built.app.synth();
  template = built.template;
  statements = allStatements(template);
}, 120_000);

type Resource = { Properties: Record<string, any> };
const resources = (type: string) => Object.values(template.findResources(type) as Record<string, Resource>);

describe('builds from a GitHub repository through CodeConnections', () => {
  it('checks out the repository with the connection, and runs the buildspec the stack deployed', () => {
    const projects = resources('AWS::CodeBuild::Project');
    expect(projects.length).toBeGreaterThan(0);
    for (const { Properties: p } of projects) {
      expect(p.Source).toMatchObject({
        Type: 'GITHUB',
        Location: 'https://github.com/acme/infra.git',
        Auth: { Type: 'CODECONNECTIONS', Resource: CONNECTION },
      });
      // Inline, not read from the commit being built.
      expect(p.Source.BuildSpec).toContain('node "$SIGNOFF_RUNNER"');
    }
    // No deploy-time snapshot of the repository is uploaded for the builds.
    expect(JSON.stringify(template.toJSON())).not.toContain('Builds/Source');
  });

  it('lets only the build roles use the connection, and only that one', () => {
    const uses = statements.filter((s) => s.actions.some((a) => a.startsWith('codeconnections:')));
    expect(uses.length).toBeGreaterThan(0);
    for (const s of uses) {
      expect(s.resources).toEqual([CONNECTION]);
      expect(s.actions.sort()).toEqual([
        'codeconnections:GetConnection',
        'codeconnections:GetConnectionToken',
        'codeconnections:UseConnection',
      ]);
      // The build roles the stack makes, and the ones the test settings name for example-database.
      expect(
        s.roles.every((r) => /^<Builds|^database-(reader|deployer)$/.test(r)),
        s.roles.join(),
      ).toBe(true);
    }
  });

  it('passes the run commit to every build and pins the run to what the first build resolved', () => {
    for (const { Properties: p } of resources('AWS::StepFunctions::StateMachine')) {
      const definition = JSON.stringify(p.DefinitionString ?? p.Definition);
      if (!definition.includes('startBuild.sync')) continue;
      expect(definition).toContain('SourceVersion.$');
      expect(definition).toContain('$.data.source.checkout');
      expect(definition).toContain('$.Build.ResolvedSourceVersion');
    }
    const functions = resources('AWS::Lambda::Function');
    for (const { Properties: p } of functions) {
      expect(p.Environment.Variables).toMatchObject({
        SIGNOFF_SOURCE_REPOSITORY: 'acme/infra',
        SIGNOFF_SOURCE_BRANCH: 'main',
      });
    }
  });

  it('gives summarize-step one conditional update on the runs table, for the pin', () => {
    const updates = statements.filter(
      (s) => s.actions.includes('dynamodb:UpdateItem') && s.resources.some((r) => /RunsTable|Runs/.test(r)),
    );
    expect(updates.some((s) => s.roles.some((r) => /summarizestep/i.test(r)))).toBe(true);
  });

  it('passes cdk-nag', () => {
    const report = built.nag.validateScope(built.app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it.skipIf(!cfnLint())(
    'passes cfn-lint',
    () => {
      const file = join(built.outdir, `${built.stack.artifactId}.template.json`);
      const run = spawnSync('cfn-lint', ['--format', 'json', '--ignore-checks', 'W3005', '--', file], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(JSON.parse(run.stdout || '[]')).toEqual([]);
      expect(run.status, run.stderr).toBe(0);
    },
    300_000,
  );
});

describe('signoff:source is checked at synth', () => {
  it.each([
    [{ github: 'acme', connectionArn: CONNECTION }, 'signoff:source.github: must be OWNER/NAME'],
    [
      { github: 'acme/infra', connectionArn: 'arn:aws:iam::123456789012:role/x' },
      'must be the ARN of an AWS CodeConnections connection',
    ],
    [{ codecommit: 'infra repo' }, 'must be a CodeCommit repository name'],
  ])('refuses %j', (source, message) => {
    expect(() => synthSignoff({ bundle: false, context: { 'signoff:source': source } })).toThrow(message);
  });
});

function cfnLint(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('the infra tests need cfn-lint in CI');
    return false;
  }
}

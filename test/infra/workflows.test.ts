import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.ts';
import { SignoffFunction } from '../../infra/constructs/signoff-function.ts';
import { compileWorkspace, WorkflowProblemsError } from '../../infra/workflows.ts';
import { compileWorkflow } from '../../statemachines/compile.ts';
import { projectRoot } from '../support/examples.ts';

/** A copy of the project's workflows and config, to break on purpose. */
function workspaceCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'signoff-ws-'));
  cpSync(join(projectRoot, 'workflows'), join(root, 'workflows'), { recursive: true });
  cpSync(join(projectRoot, 'config'), join(root, 'config'), { recursive: true });
  return root;
}

describe('compileWorkspace', () => {
  it('compiles every workflow and names the secrets its triggers and http steps read', () => {
    const ws = compileWorkspace(projectRoot);
    expect(ws.workflows.map((w) => w.workflow.name)).toContain('production-deploy-with-approval');
    for (const w of ws.workflows) expect(w.definition).toEqual(compileWorkflow(w.workflow));
    expect(ws.workflowSecrets.webhook).toEqual([
      'webhook-production-deploy-with-escalation',
      'webhook-staging-deploy',
    ]);
    expect(ws.workflowSecrets.http).toEqual(['deployments-slack-webhook']);
    expect(ws.githubRepos).toEqual(['acme/infrastructure']);
  });

  it('stops with every problem as file:line:column', () => {
    const root = workspaceCopy();
    writeFileSync(
      join(root, 'workflows', 'broken.yaml'),
      [
        'name: broken',
        'environment: production',
        'steps:',
        '  - id: plan',
        '    type: iac',
        '    project: no-such-project',
        '    action: plan',
        '  - id: approve',
        '    type: approval',
        '    approvers: [team:nobody]',
        '    timeout: 4h',
        '',
      ].join('\n'),
    );
    let error: unknown;
    try {
      compileWorkspace(root);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkflowProblemsError);
    const problems = (error as WorkflowProblemsError).problems;
    expect(problems.length).toBeGreaterThanOrEqual(2);
    for (const p of problems) expect(p).toMatch(/^workflows\/broken\.yaml:\d+:\d+: /);
    expect(problems.some((p) => p.startsWith('workflows/broken.yaml:6:'))).toBe(true);
    expect((error as Error).message).toContain(problems.join('\n'));
  });

  it('refuses a project with no workflows', () => {
    const root = workspaceCopy();
    rmSync(join(root, 'workflows'), { recursive: true });
    mkdirSync(join(root, 'workflows'));
    expect(() => compileWorkspace(root)).toThrow(/no workflow files/);
  });
});

describe('buildApp', () => {
  it('fails the synth on a workflow problem before building anything', () => {
    const root = workspaceCopy();
    writeFileSync(join(root, 'workflows', 'staging-deploy.yaml'), 'name: staging-deploy\nsteps: 3\n');
    expect(() => buildApp({ projectRoot: root, context: { 'signoff:emailFrom': 'a@acme.com' } })).toThrow(
      /workflows\/staging-deploy\.yaml:\d+:\d+: /,
    );
  });

  it('fails the synth on settings problems', () => {
    expect(() => buildApp({ projectRoot, context: { 'signoff:emailFrom': 'nobody' } })).toThrow(
      /signoff:emailFrom: must be an email address/,
    );
  });
});

describe('SignoffFunction', () => {
  it('names the missing handler when a function folder has none', () => {
    const stack = new Stack(new App(), 'Test');
    expect(
      () =>
        new SignoffFunction(stack, 'Fn', {
          projectRoot: workspaceCopy(),
          entry: 'functions/api/handler.ts',
          functionName: 'signoff-api',
          deployedConfigFile: 'signoff-config.json',
          description: 'test',
          memoryMb: 256,
          timeoutSeconds: 10,
          environment: {},
        }),
    ).toThrow('functions/api/handler.ts does not exist: the function signoff-api has no handler');
  });
});

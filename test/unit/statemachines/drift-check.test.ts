import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AslDefinition, compileWorkflow, DRIFT_STATES } from '../../../statemachines/compile.ts';
import { BUILD_ENV, PLACEHOLDER } from '../../../statemachines/contract.ts';
import { formatProblem, loadWorkflow, loadWorkspace } from '../../../statemachines/load.ts';
import type { Directory, Projects } from '../../../statemachines/schema.ts';
import { runScenario, type StandIn } from '../../support/asl-harness.ts';
import { example } from '../../support/examples.ts';

const directory: Directory = {
  users: [
    { email: 'alice@acme.com', name: 'Alice', role: 'admin' },
    { email: 'bob@acme.com', name: 'Bob', role: 'developer' },
  ],
  teams: { leads: ['alice@acme.com', 'bob@acme.com'] },
};
const projects: Projects = { projects: [{ name: 'net', tool: 'terraform', directory: 'infra/net' }] };
const header = 'name: wf\nenvironment: production\n';
const check = '  - { id: check, type: iac, project: net, action: plan, mode: drift }\n';
const notify = (runOn: string) =>
  `  - { id: tell, type: http, url: 'https://hooks.example.com/x', run_on: ${runOn} }\n`;

function problems(text: string): string[] {
  const result = loadWorkflow(text, 'wf.yaml', { directory, projects });
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe('loading drift checks', () => {
  it('accepts a drift check with a notification on drift', () => {
    expect(problems(`${header}steps:\n${check}${notify('drifted')}`)).toEqual([]);
  });

  it('refuses mode: drift on an apply, at the line and column of mode', () => {
    const text = `${header}steps:\n  - { id: plan, type: iac, project: net, action: plan }\n  - id: apply\n    type: iac\n    project: net\n    action: apply\n    mode: drift\n`;
    expect(problems(text)).toEqual([
      'wf.yaml:9:11: steps[1] (apply).mode: mode: drift checks for drift with a plan and never applies; use it with action: plan',
    ]);
  });

  it('refuses fix_with on a plan that is not a drift check, and an apply of a drift check', () => {
    const out = problems(
      `${header}steps:\n  - { id: plan, type: iac, project: net, action: plan, fix_with: other }\n${check}  - { id: apply, type: iac, project: net, action: apply, plan_from: check }\n`,
    );
    expect(out).toEqual([
      expect.stringMatching(
        /^wf\.yaml:4:\d+: steps\[0\] \(plan\)\.fix_with: only a drift check \(action: plan, mode: drift\) takes fix_with$/,
      ),
      expect.stringMatching(
        /^wf\.yaml:6:\d+: steps\[2\] \(apply\)\.plan_from: "check" is a drift check, whose plan is never applied;/,
      ),
    ]);
  });

  it('refuses run_on: drifted and a drift condition without an earlier drift check', () => {
    const out = problems(
      `${header}steps:\n${notify('drifted')}  - { id: c, type: condition, if: { field: drift.status, op: eq, value: drifted }, then: x, else: x }\n  - { id: x, type: http, url: 'https://hooks.example.com/y' }\n`,
    );
    expect(out).toEqual([
      expect.stringMatching(
        /^wf\.yaml:4:\d+: steps\[0\] \(tell\)\.run_on: drifted needs an earlier drift check/,
      ),
      expect.stringMatching(
        /^wf\.yaml:5:\d+: steps\[1\] \(c\)\.if\.field: "drift\.status" needs an earlier drift check/,
      ),
    ]);
  });
});

describe('fix_with across the workflows', () => {
  function workspace(files: Record<string, string>) {
    const root = mkdtempSync(join(tmpdir(), 'signoff-fixwith-'));
    mkdirSync(join(root, 'config'));
    mkdirSync(join(root, 'workflows'));
    writeFileSync(join(root, 'config/directory.yaml'), JSON.stringify(directory));
    writeFileSync(join(root, 'config/projects.yaml'), JSON.stringify(projects));
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(root, 'workflows', `${name}.yaml`), text);
    return loadWorkspace(root).problems.map(formatProblem);
  }
  const drift = (fixWith: string) =>
    `name: drift\nenvironment: production\nsteps:\n  - { id: check, type: iac, project: net, action: plan, mode: drift, fix_with: ${fixWith} }\n`;
  const deploy =
    'name: deploy\nenvironment: production\nsteps:\n  - { id: plan, type: iac, project: net, action: plan }\n  - { id: ok, type: approval, approvers: [team:leads] }\n  - { id: apply, type: iac, project: net, action: apply }\n';

  it('accepts a fix-up workflow that exists and plans and applies', () => {
    expect(workspace({ drift: drift('deploy'), deploy })).toEqual([]);
  });

  it('refuses an unknown workflow and a drift check workflow, at fix_with', () => {
    expect(workspace({ drift: drift('nowhere') })).toEqual([
      expect.stringMatching(
        /^workflows\/drift\.yaml:4:\d+: steps\[0\] \(check\)\.fix_with: no workflow is named "nowhere"/,
      ),
    ]);
    expect(workspace({ drift: drift('drift') })).toEqual([
      expect.stringMatching(/fix_with: "drift" is a drift check workflow itself/),
    ]);
  });
});

describe('compiling a drift check', () => {
  const { definition } = example('production-drift-check');
  const states = definition.States as Record<string, Record<string, any>>;

  it('asks the build for a drift check and the summary for its verdict, then records it with the fix-up', () => {
    expect(states.check?.Parameters.EnvironmentVariablesOverride).toContainEqual({
      Name: BUILD_ENV.planMode,
      Type: 'PLAINTEXT',
      Value: 'drift',
    });
    expect(states['check.summarize']?.Parameters.mode).toBe('drift');
    expect(states['check.summarize']?.Next).toBe(DRIFT_STATES.record('check'));
    expect(states['check.record']).toMatchObject({
      Type: 'Task',
      Resource: `\${${PLACEHOLDER.runEnded}}`,
      Parameters: {
        kind: 'record_drift_check',
        step_id: 'check',
        project: 'example-site',
        fix_with: 'production-deploy-with-approval',
      },
      ResultPath: '$.data.steps.check.fix_up',
      Next: DRIFT_STATES.ifDrifted('notify_drift'),
    });
    expect(states[DRIFT_STATES.ifDrifted('notify_drift')]?.Default).toBe('Succeeded');
  });

  async function scenario(status: 'in_sync' | 'drifted') {
    const notified: string[] = [];
    const standIns: Record<string, StandIn> = {
      check: () => ({ Build: { Id: 'b-1', BuildStatus: 'SUCCEEDED' } }),
      'check.summarize': (input) => ({
        ...(input.data as object),
        drift: { status, checks: [] },
        steps: { check: { status } },
      }),
      'check.record': () => null,
      notify_drift: (input) => {
        notified.push(String(input.outcome));
        return {};
      },
    };
    const outcome = await runScenario(
      definition as AslDefinition,
      { run: { id: 'r', workflow: 'w' } },
      standIns,
    );
    return { outcome, notified };
  }

  it('notifies on drift and goes straight to the end when in sync, and succeeds either way', async () => {
    const drifted = await scenario('drifted');
    expect(drifted.outcome.status).toBe('SUCCEEDED');
    expect(drifted.notified).toEqual(['succeeded']);
    const inSync = await scenario('in_sync');
    expect(inSync.outcome.status).toBe('SUCCEEDED');
    expect(inSync.notified).toEqual([]);
    expect(inSync.outcome.states).toContain('check.record');
  });

  it('compiles the same definition however often it is asked', () => {
    const { workflow } = example('production-drift-check');
    expect(compileWorkflow(workflow)).toEqual(compileWorkflow(structuredClone(workflow)));
  });
});

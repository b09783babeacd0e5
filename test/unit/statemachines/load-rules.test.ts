import { describe, expect, it } from 'vitest';
import { formatProblem, loadEnvironments, loadWorkflow } from '../../../statemachines/load.ts';
import type { Directory, Environments, Projects } from '../../../statemachines/schema.ts';

const directory: Directory = {
  users: [
    { email: 'alice@acme.com', name: 'Alice', role: 'admin' },
    { email: 'bob@acme.com', name: 'Bob', role: 'developer' },
    { email: 'dave@acme.com', name: 'Dave', role: 'developer' },
    { email: 'sam@acme.com', name: 'Sam', role: 'developer' },
    { email: 'victor@acme.com', name: 'Victor', role: 'viewer' },
  ],
  teams: { leads: ['alice@acme.com', 'bob@acme.com'], security: ['dave@acme.com', 'victor@acme.com'] },
};
const projects: Projects = { projects: [{ name: 'net', tool: 'terraform', directory: 'infra/net' }] };
const NEVER: Environments = {
  environments: { production: { defaults: { auto_approve: 'never', require_signin: false } } },
};

function load(steps: string, environments?: Environments) {
  const text = `name: wf\nenvironment: production\nsteps:\n  - { id: plan, type: iac, project: net, action: plan }\n${steps}`;
  return loadWorkflow(text, 'wf.yaml', { directory, projects, ...(environments ? { environments } : {}) });
}

function problems(steps: string, environments?: Environments): string[] {
  const result = load(steps, environments);
  return result.ok ? [] : result.problems.map(formatProblem);
}

const gate = (extra: string) =>
  `  - id: approve\n    type: approval\n    approvers: [team:leads]\n    required: 1\n${extra}`;

describe('loadWorkflow: approver rules and auto-approval', () => {
  it('accepts rules and auto-approval, with the defaults filled in', () => {
    const result = load(
      gate(
        `    rules:\n      - when: 'plan.resources.exists(r, r.type.startsWith("aws_security_group"))'\n        approvers: [team:security]\n        reason: network changes need security\n      - { when: 'plan.destroy > 0', required: 1, shared: true }\n    auto_approve: { when: 'plan.destroy == 0', reason: low risk }\n`,
      ),
    );
    expect(result.ok && result.value.steps[1]).toMatchObject({
      rules: [
        { approvers: ['team:security'], required: 1, shared: false, reason: 'network changes need security' },
        { required: 1, shared: true },
      ],
      auto_approve: { when: 'plan.destroy == 0', reason: 'low risk' },
    });
  });

  it('points at the place in the expression that is wrong, with file:line:column', () => {
    expect(
      problems(gate(`    rules:\n      - when: 'plan.destroy > 0 && plan.resourcs.size() > 0'\n`)),
    ).toEqual([
      'wf.yaml:10:41: steps[1] (approve).rules[0].when: the expression is not valid: No such key: resourcs',
    ]);
    expect(problems(gate(`    auto_approve:\n      when: plan.destroy\n      reason: x\n`))).toEqual([
      'wf.yaml:10:13: steps[1] (approve).auto_approve.when: the expression must give a bool (true = matches), not int',
    ]);
  });

  it('rejects unknown fields in a rule', () => {
    const out = problems(
      gate(`    rules:\n      - when: 'plan.destroy > 0'\n        aprovers: [team:security]\n`),
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^wf\.yaml:11:9: .*aprovers/);
  });

  it('rejects a rule no one could satisfy, alone or together with the others', () => {
    // The security team has one person who can approve: Victor is a viewer.
    expect(
      problems(
        gate(`    rules:\n      - { when: 'plan.destroy > 0', approvers: [team:security], required: 2 }\n`),
      ),
    ).toEqual([
      "wf.yaml:10:75: steps[1] (approve).rules[0].required: requires 2 approval(s) but the rule's approvers include only 1 people who can approve (viewers excluded); no run could meet this rule",
    ]);
    // Each alone is fine, but the leads cannot give 1 for the step and 2 more for the rule.
    const together = problems(gate(`    rules:\n      - { when: 'plan.destroy > 0', required: 2 }\n`));
    expect(together).toHaveLength(1);
    expect(together[0]).toMatch(
      /^wf\.yaml:10:7: steps\[1\] \(approve\)\.rules: a plan that matches every rule could never be approved: .* need 3 distinct people/,
    );
    // Shared, the rule's approvals also count for the step.
    expect(
      problems(gate(`    rules:\n      - { when: 'plan.destroy > 0', required: 2, shared: true }\n`)),
    ).toEqual([]);
  });

  it('refuses auto-approval where the environment forbids it', () => {
    const auto = gate(`    auto_approve: { when: 'plan.destroy == 0', reason: low risk }\n`);
    expect(problems(auto)).toEqual([]);
    expect(problems(auto, NEVER)).toEqual([
      'wf.yaml:9:19: steps[1] (approve).auto_approve: environment "production" forbids auto-approval (auto_approve: never in its defaults, config/environments.yaml)',
    ]);
  });

  it('refuses rules on a gate with no plan before it', () => {
    const text = `name: wf\nenvironment: production\nsteps:\n  - id: approve\n    type: approval\n    approvers: [team:leads]\n    rules:\n      - { when: 'plan.destroy > 0' }\n`;
    const result = loadWorkflow(text, 'wf.yaml', { directory, projects });
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      'wf.yaml:8:7: steps[0] (approve).rules: reads the plan, but no plan step comes before this approval step',
    ]);
  });
});

describe('loadEnvironments', () => {
  it('reads each environment’s defaults and rejects unknown values', () => {
    const ok = loadEnvironments(
      'environments:\n  production:\n    defaults: { auto_approve: never }\n  staging: {}\n',
      'env.yaml',
    );
    expect(ok.ok && ok.value).toEqual({
      environments: {
        production: { defaults: { auto_approve: 'never', require_signin: false } },
        staging: { defaults: { auto_approve: 'allow', require_signin: false } },
      },
    });
    const bad = loadEnvironments(
      'environments:\n  production:\n    defaults: { auto_approve: sometimes }\n',
      'env.yaml',
    );
    expect(bad.ok ? [] : bad.problems.map(formatProblem)).toHaveLength(1);
  });
});

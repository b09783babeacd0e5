import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluatePolicies } from '../../../../functions/core/plan/evaluate-policies.ts';
import { InvalidPolicyError, type Policy } from '../../../../functions/core/plan/policy.ts';
import { loadPolicies } from '../../../../functions/core/plan/policy-file.ts';
import { summarizePolicyResults } from '../../../../functions/core/plan/policy-results.ts';
import { parseTerraformPlan } from '../../../../functions/core/plan/terraform-plan.ts';
import { fixtureText, planFixture } from './load-fixture.ts';

const policiesYaml = readFileSync(new URL('../../../../config/policies.yaml', import.meta.url), 'utf8');
const defaults = () => {
  const { policies, problems } = loadPolicies(policiesYaml, 'config/policies.yaml');
  expect(problems).toEqual([]);
  return policies;
};
const policyPlan = (name: string) => parseTerraformPlan(fixtureText(`policy/${name}.plan.json`));
/** The counts of the results, with every result (the summary itself lists failures only). */
const evaluate = (...args: Parameters<typeof evaluatePolicies>) => {
  const results = evaluatePolicies(...args);
  return { ...summarizePolicyResults(results), results };
};
const outcome = (summary: ReturnType<typeof evaluate>) =>
  Object.fromEntries(summary.results.map((r) => [r.name, r.passed]));

describe('evaluatePolicies', () => {
  it('fails the default policies on a risky plan, mandatory ones counted', () => {
    const summary = evaluate(policyPlan('risky'), defaults());
    expect(outcome(summary)).toEqual({
      'database-destroy-needs-final-snapshot': false,
      'no-public-s3-acl': false,
      'few-destroys': true,
      'iam-changes-reviewed': false,
      'no-ssh-from-anywhere': false,
    });
    expect(summary).toMatchObject({ passed: 1, failed: 4, mandatory_failed: 2 });
    const failed = summary.results.find((r) => r.name === 'no-public-s3-acl');
    expect(failed).toMatchObject({
      source: 'signoff',
      severity: 'mandatory',
      message: expect.stringMatching(/public canned ACL/),
    });
  });

  it('passes the default policies on the same resources done safely', () => {
    const summary = evaluate(policyPlan('safe'), defaults());
    expect(summary).toMatchObject({ passed: 5, failed: 0, mandatory_failed: 0 });
  });

  it('passes the default policies on every Terraform fixture (no AWS resources there)', () => {
    for (const name of ['basic', 'no_changes', 'delete_and_sensitive_update', 'identity', 'moved_block']) {
      expect(evaluate(planFixture(name), defaults()).failed, name).toBe(0);
    }
  });

  it('sees counts, actions, types and after values', () => {
    const policy = (name: string, expression: string): Policy => ({
      name,
      description: name,
      severity: 'advisory',
      expression,
    });
    const summary = evaluate(planFixture('delete_and_sensitive_update'), [
      policy('counts', 'summary.destroy == 1 && summary.change == 1 && summary.add == 0'),
      policy(
        'actions',
        'resource_changes.exists(r, r.address == "terraform_data.old" && r.action == "delete" && r.after == null)',
      ),
      policy(
        'after',
        'resource_changes.exists(r, r.type == "terraform_data" && has(r.after.input) && r.after.input == "stays")',
      ),
      policy('before', 'resource_changes.filter(r, r.action == "delete").all(r, r.before.input.size == 3)'),
      policy('replace', 'resource_changes.exists(r, r.action == "replace")'),
    ]);
    expect(outcome(summary)).toEqual({
      counts: true,
      actions: true,
      after: true,
      before: true,
      replace: false,
    });
  });

  it('sees a create-before-destroy replace as replace', () => {
    const replace: Policy = {
      name: 'replace',
      description: 'd',
      severity: 'advisory',
      expression: 'resource_changes.all(r, r.action == "replace" && r.actions == ["create", "delete"])',
    };
    expect(evaluate(planFixture('create_before_destroy'), [replace]).passed).toBe(1);
  });

  it('fails a policy whose expression breaks at run time, with the reason', () => {
    const broken: Policy = {
      name: 'broken',
      description: 'd',
      severity: 'mandatory',
      expression: 'resource_changes.all(r, r.after.no_such_attribute == "x")',
    };
    const summary = evaluate(planFixture('basic'), [broken]);
    expect(summary.mandatory_failed).toBe(1);
    expect(summary.results[0]?.message).toMatch(/could not be evaluated: No such key: no_such_attribute/);
  });

  it('throws for a bad expression, naming the policy and where it is', () => {
    const bad: Policy = {
      name: 'half-written',
      description: 'd',
      severity: 'mandatory',
      expression: 'resource_changes.exists(r, r.type == )',
      location: { file: 'config/policies.yaml', line: 7 },
    };
    expect(() => evaluatePolicies(planFixture('basic'), [bad])).toThrow(InvalidPolicyError);
    expect(() => evaluatePolicies(planFixture('basic'), [bad])).toThrow(
      /^config\/policies\.yaml:7: policy "half-written": expression does not parse/,
    );
  });
});

describe('loadPolicies', () => {
  it('reads the default policies with the line of each expression', () => {
    const policies = defaults();
    expect(policies.map((p) => p.name)).toHaveLength(5);
    const line = policiesYaml.split('\n').findIndex((l) => l.includes('expression: summary.destroy')) + 1;
    expect(policies.find((p) => p.name === 'few-destroys')?.location).toEqual({
      file: 'config/policies.yaml',
      line,
    });
  });

  it('reports every bad policy with file:line and name', () => {
    const text = [
      'policies:',
      '  - name: good',
      '    description: fine',
      '    severity: advisory',
      '    expression: summary.add < 100',
      '  - name: unparsable',
      '    description: oops',
      '    severity: mandatory',
      '    expression: resource_changes.exists(r, ',
      '  - name: not-boolean',
      '    description: oops',
      '    severity: advisory',
      '    expression: summary.add + 1',
      '  - name: unknown-variable',
      '    description: oops',
      '    severity: advisory',
      '    expression: plan.add > 1',
      '  - name: bad-severity',
      '    description: oops',
      '    severity: blocking',
      '    expression: "true"',
      '  - name: good',
      '    description: twice',
      '    severity: advisory',
      '    expression: "true"',
    ].join('\n');
    const { policies, problems } = loadPolicies(text, 'policies.yaml');
    expect(policies.map((p) => p.name)).toEqual(['good', 'good']);
    expect(problems).toEqual([
      expect.stringMatching(/^policies\.yaml:9: policy "unparsable": expression does not parse/),
      expect.stringMatching(/^policies\.yaml:13: policy "not-boolean": expression must give a bool/),
      expect.stringMatching(
        /^policies\.yaml:17: policy "unknown-variable": expression is not valid: Unknown variable: plan/,
      ),
      expect.stringMatching(/^policies\.yaml:20: policy "bad-severity": severity/),
      'policies.yaml:22: policy "good" is defined twice',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const { problems } = loadPolicies('policies:\n  - name: [unclosed\n', 'p.yaml');
    expect(problems[0]).toMatch(/^p\.yaml:\d+: YAML syntax/);
  });

  it('treats an empty file as no policies', () => {
    expect(loadPolicies('', 'p.yaml')).toEqual({ policies: [], problems: [] });
  });
});

import { describe, expect, it } from 'vitest';
import {
  checkRuleExpression,
  evaluateGateRules,
  type RulePlan,
  toRulePlan,
} from '../../../../functions/core/plan/plan-rules.ts';
import { parseTerraformPlan } from '../../../../functions/core/plan/terraform-plan.ts';
import { fixtureText, planFixture } from './load-fixture.ts';

const RULES = {
  network: 'plan.resources.exists(r, r.type.startsWith("aws_security_group") || r.type == "aws_network_acl")',
  destroy: 'plan.destroy > 0',
  replace: 'plan.replace > 0',
  module_net: 'plan.resources.exists(r, r.module.startsWith("module.net"))',
  create_only: 'plan.resources.all(r, r.action == "create")',
  tags_only:
    'plan.destroy == 0 && plan.resources.all(r, r.action == "update" && r.changed_attributes.all(a, a == "tags" || a == "tags_all"))',
} as const;

type RuleName = keyof typeof RULES;
const NAMES = Object.keys(RULES) as RuleName[];

function rulePlan(file: string): RulePlan {
  const plan = file.startsWith('plan-rules/')
    ? parseTerraformPlan(fixtureText(`${file}.plan.json`))
    : planFixture(file);
  return toRulePlan(plan, 'example');
}

/** Which rules match each plan, and the resources that make each match. */
const TABLE: [string, Partial<Record<RuleName, string[]>>][] = [
  ['basic', { create_only: ['module.foo.null_resource.aliased'] }],
  ['no_changes', { create_only: [], tags_only: [] }],
  ['action_reason', { replace: ['null_resource.example'] }],
  ['create_before_destroy', { replace: ['terraform_data.server'] }],
  ['delete_and_sensitive_update', { destroy: ['terraform_data.old'] }],
  ['identity', {}],
  ['deep_module', { create_only: ['module.foo.module.bar.null_resource.baz'] }],
  ['moved_block', { create_only: [], tags_only: [] }],
  ['plan-rules/tags_only', { tags_only: ['aws_instance.web', 'module.data.aws_s3_bucket.logs'] }],
  ['plan-rules/security_group', { network: ['aws_security_group.web', 'aws_security_group_rule.ssh'] }],
  [
    'plan-rules/destroy_and_resize',
    {
      network: ['module.net.aws_network_acl.private'],
      destroy: ['aws_instance.old'],
      replace: ['module.net.aws_network_acl.private'],
      module_net: ['module.net.aws_network_acl.private'],
    },
  ],
];

describe('evaluateGateRules', () => {
  it.each(TABLE)(
    'matches the rules %s should match, naming the resources that make each match',
    (file, expected) => {
      const plan = rulePlan(file);
      const result = evaluateGateRules(plan, 'sha256:x', [
        { step_id: 'approve', rules: NAMES.map((n) => RULES[n]) },
      ]);
      const matched = Object.fromEntries(
        (result.approve?.matched ?? []).map((m) => [
          NAMES[m.rule],
          m.resources.slice(0, expected[NAMES[m.rule] as RuleName]?.length ?? 0),
        ]),
      );
      expect(Object.keys(matched).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, resources] of Object.entries(expected)) expect(matched[name]).toEqual(resources);
    },
  );

  it('lists only changed resources, with the attributes each changes', () => {
    expect(rulePlan('plan-rules/destroy_and_resize').resources).toEqual([
      {
        address: 'aws_instance.old',
        type: 'aws_instance',
        name: 'old',
        module: '',
        action: 'delete',
        changed_attributes: ['ami', 'instance_type', 'tags', 'tags_all'],
      },
      {
        address: 'aws_instance.web',
        type: 'aws_instance',
        name: 'web',
        module: '',
        action: 'update',
        changed_attributes: ['instance_type'],
      },
      {
        address: 'module.net.aws_network_acl.private',
        type: 'aws_network_acl',
        name: 'private',
        module: 'module.net',
        action: 'replace',
        changed_attributes: ['egress'],
      },
    ]);
  });

  it('auto-approves a tags-only plan and records the values it saw, and nothing else', () => {
    const gates = [{ step_id: 'approve', rules: [], auto_approve: RULES.tags_only }];
    const tags = evaluateGateRules(rulePlan('plan-rules/tags_only'), 'sha256:t', gates).approve;
    expect(tags).toEqual({
      plan_hash: 'sha256:t',
      matched: [],
      auto_approve: {
        matched: true,
        values: {
          add: 0,
          change: 2,
          destroy: 0,
          replace: 0,
          resources: { 'aws_instance update': 1, 'aws_s3_bucket update': 1 },
          changed_attributes: ['tags', 'tags_all'],
        },
      },
    });
    for (const file of ['plan-rules/security_group', 'plan-rules/destroy_and_resize', 'basic', 'identity']) {
      expect(evaluateGateRules(rulePlan(file), 'h', gates).approve?.auto_approve?.matched, file).toBe(false);
    }
  });

  it('applies a rule that fails at run time, and never auto-approves on one', () => {
    // Indexing past the end of a list is an error at run time, not false.
    const failing = 'plan.resources[5].type == "x"';
    expect(checkRuleExpression(failing)).toBeUndefined();
    const result = evaluateGateRules(rulePlan('plan-rules/tags_only'), 'h', [
      { step_id: 'approve', rules: [failing], auto_approve: failing },
    ]).approve;
    expect(result?.matched.map((m) => m.rule)).toEqual([0]);
    expect(result?.auto_approve?.matched).toBe(false);
  });
});

describe('checkRuleExpression', () => {
  it('accepts the documented expressions', () => {
    for (const expression of Object.values(RULES)) expect(checkRuleExpression(expression)).toBeUndefined();
  });

  it('names a misspelt field and where it is', () => {
    expect(checkRuleExpression('plan.destroy > 0 && plan.resourcs.size() > 0')).toEqual({
      message: 'is not valid: No such key: resourcs',
      offset: 25,
    });
  });

  it('refuses an expression that does not parse, or does not give a bool', () => {
    expect(checkRuleExpression('plan.destroy > > 0')).toMatchObject({
      message: expect.stringMatching(/^does not parse/),
      offset: 15,
    });
    expect(checkRuleExpression('plan.destroy')).toEqual({
      message: 'must give a bool (true = matches), not int',
      offset: 0,
    });
    expect(checkRuleExpression('plan.destroy > "0"')?.message).toMatch(/no such overload/);
  });
});

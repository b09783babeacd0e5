/**
 * Approval rules and auto-approval read the plan through one CEL variable, `plan`:
 * `{ project, add, change, destroy, replace, resources }`, where each resource is
 * `{ address, type, name, module, action, changed_attributes }`. Only resources the plan changes
 * are listed (`action` is `create`, `update`, `delete` or `replace`; reads and no-ops are left
 * out), `module` is the module address (`""` at the root), and `changed_attributes` are the
 * top-level attribute names whose value differs before and after (every attribute of a created or
 * deleted resource). Expressions are type-checked, so a misspelt field fails at `validate` time.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type {
  AutoApproveValues,
  GateRuleExpressions,
  GateRuleResult,
} from '../../../statemachines/contract.ts';
import { canonicalJson } from './canonical-json.ts';
import { classifyActions, isInfraChange } from './classify-actions.ts';
import type { TerraformPlan } from './terraform-plan.ts';

const environment = new Environment({ homogeneousAggregateLiterals: false })
  .registerType('Resource', {
    fields: {
      address: 'string',
      type: 'string',
      name: 'string',
      module: 'string',
      action: 'string',
      changed_attributes: 'list<string>',
    },
  })
  .registerType('Plan', {
    fields: {
      project: 'string',
      add: 'int',
      change: 'int',
      destroy: 'int',
      replace: 'int',
      resources: 'list<Resource>',
    },
  })
  .registerVariable('plan', 'Plan');

/** One changed resource as an expression sees it. */
export interface RuleResource {
  address: string;
  type: string;
  name: string;
  module: string;
  action: 'create' | 'update' | 'delete' | 'replace';
  changed_attributes: string[];
}

/** The `plan` variable. */
export interface RulePlan {
  project: string;
  add: bigint;
  change: bigint;
  destroy: bigint;
  replace: bigint;
  resources: RuleResource[];
}

/** An expression that does not compile: the first line of the reason and its offset in the expression. */
export interface RuleExpressionProblem {
  message: string;
  offset: number;
}

/** Resources named per matched rule; the count says how many matched in all. */
const MAX_MATCHING_RESOURCES = 10;

function offsetOf(error: unknown): number {
  const node = (error as { node?: { pos?: unknown } }).node;
  if (typeof node?.pos === 'number') return node.pos;
  // A parse error marks its place with a caret under the quoted expression.
  const lines = (error instanceof Error ? error.message : '').split('\n');
  const quoted = lines.findIndex((l) => /^>\s+1 \| /.test(l));
  const caret = lines[quoted + 1]?.indexOf('^') ?? -1;
  const start = (lines[quoted] ?? '').indexOf('| ') + 2;
  return quoted >= 0 && caret >= start ? caret - start : 0;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/** Parses and type-checks an expression over `plan`; it must give a bool. */
export function checkRuleExpression(expression: string): RuleExpressionProblem | undefined {
  let parsed: ParseResult;
  try {
    parsed = environment.parse(expression);
  } catch (error) {
    return { message: `does not parse: ${firstLine(error)}`, offset: offsetOf(error) };
  }
  const checked = parsed.check();
  if (!checked.valid)
    return { message: `is not valid: ${firstLine(checked.error)}`, offset: offsetOf(checked.error) };
  if (checked.type !== 'bool')
    return { message: `must give a bool (true = matches), not ${checked.type}`, offset: 0 };
  return undefined;
}

/** The attribute names whose values differ between `before` and `after` (all of them when one side is absent). */
function changedAttributes(before: unknown, after: unknown, unknown: unknown): string[] {
  const record = (v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const b = record(before);
  const a = record(after);
  const names = new Set([...Object.keys(b), ...Object.keys(a), ...Object.keys(record(unknown))]);
  return [...names]
    .filter(
      (k) =>
        record(unknown)[k] === true || !(k in a) || !(k in b) || canonicalJson(a[k]) !== canonicalJson(b[k]),
    )
    .sort();
}

/** Builds the `plan` variable from a Terraform plan. */
export function toRulePlan(plan: TerraformPlan, project: string): RulePlan {
  const resources: RuleResource[] = [];
  for (const rc of plan.resource_changes) {
    const action = classifyActions(rc.change.actions);
    if (!isInfraChange(action)) continue;
    resources.push({
      address: rc.address,
      type: rc.type,
      name: rc.name,
      module: rc.module_address ?? '',
      action,
      changed_attributes: changedAttributes(rc.change.before, rc.change.after, rc.change.after_unknown),
    });
  }
  return planOf(project, resources);
}

function planOf(project: string, resources: RuleResource[]): RulePlan {
  const count = (action: RuleResource['action']) =>
    BigInt(resources.filter((r) => r.action === action).length);
  return {
    project,
    add: count('create'),
    change: count('update'),
    destroy: count('delete'),
    replace: count('replace'),
    resources,
  };
}

/** A checked expression's verdict; undefined when it failed at run time. */
function verdict(expression: string, plan: RulePlan): boolean | undefined {
  try {
    return environment.evaluate(expression, { plan }) === true;
  } catch {
    return undefined;
  }
}

/** A rule applies unless it says it does not: one that fails at run time asks its approvers too. */
function ruleMatches(expression: string, plan: RulePlan): boolean {
  return verdict(expression, plan) !== false;
}

/** The plan values an auto-approval expression read, for its audit event. */
function autoApproveValues(plan: RulePlan): AutoApproveValues {
  const resources: Record<string, number> = {};
  for (const r of plan.resources) {
    const key = `${r.type} ${r.action}`;
    resources[key] = (resources[key] ?? 0) + 1;
  }
  return {
    add: Number(plan.add),
    change: Number(plan.change),
    destroy: Number(plan.destroy),
    replace: Number(plan.replace),
    resources,
    changed_attributes: [...new Set(plan.resources.flatMap((r) => r.changed_attributes))].sort(),
  };
}

/**
 * Evaluates each gate's rules and auto-approval on the plan. A matched rule names the resources
 * that make it match: those for which it also matches a plan holding that resource alone.
 */
export function evaluateGateRules(
  plan: RulePlan,
  planHash: string,
  gates: GateRuleExpressions[],
): Record<string, GateRuleResult> {
  const results: Record<string, GateRuleResult> = {};
  for (const gate of gates) {
    const matched: GateRuleResult['matched'] = [];
    gate.rules.forEach((expression, rule) => {
      if (!ruleMatches(expression, plan)) return;
      const resources = plan.resources
        .filter((r) => verdict(expression, planOf(plan.project, [r])) === true)
        .map((r) => r.address);
      matched.push({
        rule,
        resources: resources.slice(0, MAX_MATCHING_RESOURCES),
        resources_count: resources.length,
      });
    });
    results[gate.step_id] = {
      plan_hash: planHash,
      matched,
      ...(gate.auto_approve !== undefined
        ? {
            auto_approve: {
              matched: verdict(gate.auto_approve, plan) === true,
              values: autoApproveValues(plan),
            },
          }
        : {}),
    };
  }
  return results;
}

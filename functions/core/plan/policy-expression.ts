/**
 * Compiles and runs one policy's CEL expression. The expression sees:
 * - `resource_changes`: every entry of the plan's `resource_changes` as
 *   `{ address, type, name, mode, module_address, provider_name, previous_address,
 *   action, actions, before, after, after_unknown }`, where `action` is one of
 *   `create`, `update`, `delete`, `replace`, `read`, `no-op` (a delete+create pair is
 *   `replace`), `before`/`after` are the attribute maps (null when the object does not
 *   exist before/after), and `module_address`/`previous_address` are `""` when absent;
 * - `summary`: `{ add, change, destroy, replace }` as integers.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { classifyActions } from './classify-actions.ts';
import { InvalidPolicyError, type Policy } from './policy.ts';
import type { TerraformPlan } from './terraform-plan.ts';

const environment = new Environment({ homogeneousAggregateLiterals: false })
  .registerVariable('resource_changes', 'list<map>')
  .registerVariable('summary', 'map<string, int>');

/** The variables every policy expression is evaluated with. */
export interface PolicyInput {
  resource_changes: Record<string, unknown>[];
  summary: { add: bigint; change: bigint; destroy: bigint; replace: bigint };
}

/** Builds the expression variables from a plan. */
export function toPolicyInput(plan: TerraformPlan): PolicyInput {
  const counts = { add: 0n, change: 0n, destroy: 0n, replace: 0n };
  const resource_changes = plan.resource_changes.map((rc) => {
    const kind = classifyActions(rc.change.actions);
    if (kind === 'create') counts.add++;
    else if (kind === 'update') counts.change++;
    else if (kind === 'delete') counts.destroy++;
    else if (kind === 'replace') counts.replace++;
    return {
      address: rc.address,
      type: rc.type,
      name: rc.name,
      mode: rc.mode,
      module_address: rc.module_address ?? '',
      provider_name: rc.provider_name ?? '',
      previous_address: rc.previous_address ?? '',
      action: kind === 'none' ? 'no-op' : kind,
      actions: [...rc.change.actions],
      before: rc.change.before ?? null,
      after: rc.change.after ?? null,
      after_unknown: rc.change.after_unknown ?? {},
    };
  });
  return { resource_changes, summary: counts };
}

function where(policy: Policy): string {
  return policy.location ? `${policy.location.file}:${policy.location.line}: ` : '';
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/** Parses and type-checks a policy's expression; throws InvalidPolicyError naming the policy. */
export function compilePolicy(policy: Policy): ParseResult {
  const fail = (why: string) => new InvalidPolicyError([`${where(policy)}policy "${policy.name}": ${why}`]);
  let compiled: ParseResult;
  try {
    compiled = environment.parse(policy.expression);
  } catch (error) {
    throw fail(`expression does not parse: ${firstLine(error)}`);
  }
  const checked = compiled.check();
  if (!checked.valid) throw fail(`expression is not valid: ${firstLine(checked.error)}`);
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw fail(`expression must give a bool (true = passes), not ${checked.type}`);
  }
  return compiled;
}

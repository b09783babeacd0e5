import type { Policy } from './policy.ts';
import { compilePolicy, toPolicyInput } from './policy-expression.ts';
import type { PolicyResult } from './policy-results.ts';
import type { TerraformPlan } from './terraform-plan.ts';

/**
 * Runs signoff's policies over a plan and returns one result per policy. A bad expression throws
 * InvalidPolicyError naming the policy; an expression that fails at run time (a missing key, a
 * wrong type) counts as failed, so a broken mandatory policy blocks rather than waves a plan through.
 */
export function evaluatePolicies(plan: TerraformPlan, policies: Policy[]): PolicyResult[] {
  const compiled = policies.map((policy) => ({ policy, run: compilePolicy(policy) }));
  const input = toPolicyInput(plan);
  return compiled.map(({ policy, run }): PolicyResult => {
    const base = { name: policy.name, source: 'signoff', severity: policy.severity };
    let outcome: unknown;
    try {
      outcome = run(input as unknown as Record<string, unknown>);
    } catch (error) {
      const why = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      return { ...base, passed: false, message: `could not be evaluated: ${why}` };
    }
    if (outcome === true) return { ...base, passed: true };
    if (outcome === false) return { ...base, passed: false, message: policy.description };
    return { ...base, passed: false, message: `gave ${String(outcome)}, not true or false` };
  });
}

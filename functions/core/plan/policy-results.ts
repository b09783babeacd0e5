import type { PolicySummary } from '../../../statemachines/contract.ts';

/** One policy outcome, from signoff's own policies, conftest or Checkov. */
export type PolicyResult = PolicySummary['results'][number];

/** Counts a list of policy results into the summary the gate shows. */
export function summarizePolicyResults(results: PolicyResult[]): PolicySummary {
  const failed = results.filter((r) => !r.passed);
  return {
    passed: results.length - failed.length,
    failed: failed.length,
    mandatory_failed: failed.filter((r) => r.severity === 'mandatory').length,
    results,
  };
}

import type { PolicySummary } from '../../../statemachines/contract.ts';

/** One policy outcome, from signoff's own policies, conftest or Checkov. */
export type PolicyResult = PolicySummary['results'][number];

/** How many failed results a summary lists; the rest are counted and live in the policy artifact. */
export const MAX_LISTED_FAILURES = 50;

/** How much of one result's message a summary keeps (a scanner may print a whole report into one). */
export const MAX_MESSAGE_CHARS = 500;

/** `policy.json` of a plan step: every result, passed and failed, for the pages that list them. */
export interface PolicyReport {
  results: PolicyResult[];
}

/**
 * Counts policy results into the summary the run carries: counts, the failed results (mandatory
 * first, capped) and the key of the artifact holding all of them. Passed results are only counted,
 * because Step Functions state (256 KB) and a DynamoDB item (400 KB) cannot carry a list that grows
 * with the policy set.
 */
export function summarizePolicyResults(results: PolicyResult[], artifact?: string): PolicySummary {
  const failed = results.filter((r) => !r.passed);
  const mandatory = failed.filter((r) => r.severity === 'mandatory');
  const listed = [...mandatory, ...failed.filter((r) => r.severity !== 'mandatory')];
  return {
    passed: results.length - failed.length,
    failed: failed.length,
    mandatory_failed: mandatory.length,
    results: listed.slice(0, MAX_LISTED_FAILURES).map(shortenMessage),
    results_truncated: listed.length > MAX_LISTED_FAILURES,
    ...(artifact ? { artifact } : {}),
  };
}

function shortenMessage(result: PolicyResult): PolicyResult {
  if (!result.message || result.message.length <= MAX_MESSAGE_CHARS) return result;
  return { ...result, message: `${result.message.slice(0, MAX_MESSAGE_CHARS - 1)}…` };
}

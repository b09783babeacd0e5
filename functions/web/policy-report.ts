/**
 * Every policy result of a plan for the approval page: the run carries counts and the failures
 * only, so the full list is read from the step's `policy.json` in the artifact store.
 */
import type { PolicySummary } from '../../statemachines/contract.ts';
import type { PolicyReport, PolicyResult } from '../core/plan/policy-results.ts';
import type { ArtifactStore } from '../core/ports.ts';

/** Every result, or why the summary's own (failed-only) list is all the page can show. */
export type PolicyResults = { results: PolicyResult[] } | { error: string };

/**
 * Reads the full results a policy summary points at; a missing or broken artifact becomes a
 * message. Undefined when there is no artifact and the summary lists only the failures.
 */
export async function loadPolicyResults(
  artifacts: ArtifactStore,
  policy: PolicySummary,
): Promise<PolicyResults | undefined> {
  if (!policy.artifact) {
    // Summaries written before policy.json existed listed every result themselves.
    const complete = policy.results.length === policy.passed + policy.failed;
    return complete ? { results: policy.results } : undefined;
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = await artifacts.get(policy.artifact);
  } catch {
    return { error: 'The full policy results could not be read from the artifact store.' };
  }
  if (!bytes)
    return {
      error: 'The full policy results are not in the artifact store (they may have been cleaned up).',
    };
  try {
    const report = JSON.parse(new TextDecoder().decode(bytes)) as PolicyReport;
    if (!Array.isArray(report.results)) throw new Error('no results');
    return { results: report.results };
  } catch {
    return { error: 'The stored policy results are not readable.' };
  }
}

/**
 * A drift check's build (`action: plan, mode: drift`): plan, classify, and store the verdict.
 *
 * No cost estimate and no policies: both judge a change someone proposes to apply, and a drift
 * check proposes nothing (its plan is never applied). A mandatory policy failing on the drifted
 * resources would also fail the run, and the drift would go unreported. The fix-up workflow's own
 * plan is estimated and checked like any other before anyone approves it.
 */

import { classifyDrift, summarizeDriftCheck } from '../drift-checks/classify-drift.ts';
import { ARTIFACT, artifactKey } from '../plan/artifact-keys.ts';
import type { StepSummary } from '../plan/step-artifacts.ts';
import type { ArtifactStore } from '../ports.ts';
import type { ToolContext } from './iac-tool.ts';
import { planAndStore, summarizeStoredPlan } from './run-plan.ts';

/** Plans, writes `drift-check.json` (every resource) and `summary.json` (with the capped verdict). */
export async function runDriftCheck(
  ctx: ToolContext,
  store: { artifacts: ArtifactStore; runId: string; stepId: string },
  workDir: string,
): Promise<StepSummary> {
  const stored = await planAndStore(ctx, store, workDir);
  const key = (name: string) => artifactKey(store.runId, store.stepId, name);
  const plan = summarizeStoredPlan(ctx, store, stored);
  const report = classifyDrift(stored.plan, { project: ctx.project.name, planHash: plan.hash });
  await store.artifacts.put(key(ARTIFACT.driftCheck), JSON.stringify(report, null, 2), 'application/json');
  for (const r of report.resources) {
    const what = [r.changed_outside ? 'changed outside the tool' : '', r.planned ? `plan: ${r.planned}` : '']
      .filter(Boolean)
      .join('; ');
    ctx.log.line(`drift: ${r.address} (${what})${r.attributes.length ? `: ${r.attributes.join(', ')}` : ''}`);
  }
  const summary: StepSummary = {
    plan,
    cost: { estimated: false, reason: 'a drift check estimates no cost' },
    policy: { passed: 0, failed: 0, mandatory_failed: 0, results: [] },
    drift_check: summarizeDriftCheck(report, { stepId: store.stepId, artifact: key(ARTIFACT.driftCheck) }),
  };
  await store.artifacts.put(key(ARTIFACT.summary), JSON.stringify(summary, null, 2), 'application/json');
  return summary;
}

/** The build's last line for a drift check. */
export function describeDriftCheck(summary: StepSummary): string {
  const check = summary.drift_check;
  if (!check || check.status === 'in_sync') return `drift check: in sync; hash ${summary.plan.hash}`;
  return `drift check: drifted, ${check.drifted} resource(s) differ (${check.changed_outside} changed outside the tool, ${check.planned} the plan would change); hash ${summary.plan.hash}`;
}

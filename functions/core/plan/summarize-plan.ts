import type { PlanSummary } from '../../../statemachines/contract.ts';
import { type ChangeKind, classifyActions } from './classify-actions.ts';
import { computePlanHash } from './plan-hash.ts';
import type { TerraformPlan } from './terraform-plan.ts';

/** How many resources a summary lists; the rest is counted but not named. */
export const MAX_LISTED_RESOURCES = 100;

/** Where a plan's artifacts live, as recorded in its summary. */
export type PlanArtifacts = PlanSummary['artifacts'];

type ListedAction = PlanSummary['resources'][number]['action'];

// Destructive changes first, so a truncated list still names every delete it can.
const LIST_ORDER: Record<ListedAction, number> = { delete: 0, replace: 1, update: 2, create: 3, read: 4 };

/** Summarizes a plan for the gate: counts, the changed resources (capped) and the plan hash. */
export function summarizePlan(
  plan: TerraformPlan,
  opts: { stepId: string; project: string; artifacts: PlanArtifacts },
): PlanSummary {
  const counts = { add: 0, change: 0, destroy: 0, replace: 0 };
  const listed: PlanSummary['resources'] = [];
  for (const rc of plan.resource_changes) {
    const kind: ChangeKind = classifyActions(rc.change.actions);
    if (kind === 'none') continue;
    if (kind === 'create') counts.add++;
    else if (kind === 'update') counts.change++;
    else if (kind === 'delete') counts.destroy++;
    else if (kind === 'replace') counts.replace++;
    listed.push({ address: rc.address, action: kind });
  }
  listed.sort((a, b) => LIST_ORDER[a.action] - LIST_ORDER[b.action] || (a.address < b.address ? -1 : 1));
  return {
    step_id: opts.stepId,
    project: opts.project,
    ...counts,
    resources: listed.slice(0, MAX_LISTED_RESOURCES),
    resources_truncated: listed.length > MAX_LISTED_RESOURCES,
    hash: computePlanHash(plan),
    artifacts: opts.artifacts,
  };
}

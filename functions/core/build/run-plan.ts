import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GateRuleExpressions, PlanSummary } from '../../../statemachines/contract.ts';
import { ARTIFACT, artifactKey } from '../plan/artifact-keys.ts';
import { evaluateGateRules, toRulePlan } from '../plan/plan-rules.ts';
import type { Policy } from '../plan/policy.ts';
import { type PolicyReport, summarizePolicyResults } from '../plan/policy-results.ts';
import type { StepSummary } from '../plan/step-artifacts.ts';
import { summarizePlan } from '../plan/summarize-plan.ts';
import { parseTerraformPlan, type TerraformPlan } from '../plan/terraform-plan.ts';
import type { ArtifactStore } from '../ports.ts';
import { checkPolicies } from './check-policies.ts';
import { estimateCost } from './estimate-cost.ts';
import { makePlan, type ToolContext } from './iac-tool.ts';

/** A plan made and stored: the parsed plan and its local files. */
export interface StoredPlan {
  plan: TerraformPlan;
  planJson: string;
  savedPlan?: string;
}

/** Plans into `workDir` and uploads plan.json and the saved plan under the step's keys. */
export async function planAndStore(
  ctx: ToolContext,
  store: { artifacts: ArtifactStore; runId: string; stepId: string },
  workDir: string,
): Promise<StoredPlan> {
  const files = await makePlan(ctx, {
    planJson: join(workDir, ARTIFACT.planJson),
    savedPlan: join(workDir, ARTIFACT.savedPlan),
  });
  const text = await readFile(files.planJson, 'utf8');
  const plan = parseTerraformPlan(text);
  await store.artifacts.put(
    artifactKey(store.runId, store.stepId, ARTIFACT.planJson),
    text,
    'application/json',
  );
  if (files.savedPlan) {
    const key = artifactKey(store.runId, store.stepId, ARTIFACT.savedPlan);
    await store.artifacts.put(key, new Uint8Array(await readFile(files.savedPlan)));
  }
  return { plan, ...files };
}

/** The step's plan summary, naming the artifacts `planAndStore` uploaded (and the build log). */
export function summarizeStoredPlan(
  ctx: ToolContext,
  store: { runId: string; stepId: string },
  stored: StoredPlan,
): PlanSummary {
  const key = (name: string) => artifactKey(store.runId, store.stepId, name);
  return summarizePlan(stored.plan, {
    stepId: store.stepId,
    project: ctx.project.name,
    artifacts: {
      plan_json: key(ARTIFACT.planJson),
      ...(stored.savedPlan ? { saved_plan: key(ARTIFACT.savedPlan) } : {}),
      log: key(ARTIFACT.log),
    },
  });
}

/** The plan action: plan, estimate cost, check policies, and store every policy result and the step summary. */
export async function runPlan(
  ctx: ToolContext,
  store: { artifacts: ArtifactStore; runId: string; stepId: string },
  policies: Policy[],
  workDir: string,
  gateRules: GateRuleExpressions[] = [],
): Promise<StepSummary> {
  const stored = await planAndStore(ctx, store, workDir);
  const key = (name: string) => artifactKey(store.runId, store.stepId, name);
  const plan = summarizeStoredPlan(ctx, store, stored);
  ctx.log.line(
    `plan: ${plan.add} to add, ${plan.change} to change, ${plan.destroy} to destroy, ${plan.replace} to replace; hash ${plan.hash}`,
  );
  const cost = await estimateCost(ctx, stored.planJson);
  const results = await checkPolicies(ctx, stored.plan, stored.planJson, policies);
  const report: PolicyReport = { results };
  await store.artifacts.put(key(ARTIFACT.policy), JSON.stringify(report), 'application/json');
  const summary: StepSummary = {
    plan,
    cost,
    policy: summarizePolicyResults(results, key(ARTIFACT.policy)),
    ...(gateRules.length > 0
      ? { gate_rules: evaluateGateRules(toRulePlan(stored.plan, ctx.project.name), plan.hash, gateRules) }
      : {}),
  };
  await store.artifacts.put(key(ARTIFACT.summary), JSON.stringify(summary, null, 2), 'application/json');
  return summary;
}

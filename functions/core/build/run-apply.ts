import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACT, artifactKey } from '../plan/artifact-keys.ts';
import { computePlanHash, diffResourceChanges } from '../plan/plan-hash.ts';
import type { ApplyReport, DriftReport } from '../plan/step-artifacts.ts';
import { parseTerraformPlan } from '../plan/terraform-plan.ts';
import type { ArtifactStore } from '../ports.ts';
import { applySavedPlan, BuildStepError, type ToolContext } from './iac-tool.ts';
import { planAndStore } from './run-plan.ts';

/** The outcome of an apply build. */
export type ApplyOutcome =
  | { status: 'drift'; drift: DriftReport }
  | { status: 'applied'; report: ApplyReport };

/**
 * The apply action: re-plan, compare the hash with the approved one, and on a match apply the
 * plan step's saved plan. A mismatch writes drift.json and applies nothing. The approved hash
 * always comes from the state machine (the gate's, or the plan step's in a workflow without a
 * gate); the apply never takes it from the plan's own artifacts.
 */
export async function runApply(
  ctx: ToolContext,
  store: { artifacts: ArtifactStore; runId: string; stepId: string },
  opts: { planFrom: string; approvedHash?: string; workDir: string; now: () => Date },
): Promise<ApplyOutcome> {
  const { artifacts, runId, stepId } = store;
  const approvedHash = opts.approvedHash;
  // readBuildSettings refuses this first (exit 2); kept here so no caller can apply unapproved.
  if (!approvedHash || !/^[0-9a-f]{64}$/.test(approvedHash)) {
    throw new BuildStepError('no approved plan hash: an apply only applies a plan whose hash was approved');
  }
  const from = (name: string) => artifactKey(runId, opts.planFrom, name);
  const text = async (key: string) => {
    const bytes = await artifacts.get(key);
    if (!bytes) throw new BuildStepError(`the plan step ${opts.planFrom} has no ${key}; run its plan first`);
    return bytes;
  };
  const approvedJson = new TextDecoder().decode(await text(from(ARTIFACT.planJson)));
  const approvedPlan = parseTerraformPlan(approvedJson);

  ctx.log.line(`re-planning to compare with the approved plan ${approvedHash}`);
  const replan = await planAndStore(ctx, store, opts.workDir);
  const currentHash = computePlanHash(replan.plan);
  if (currentHash !== approvedHash) {
    const drift: DriftReport = {
      approved_hash: approvedHash,
      current_hash: currentHash,
      addresses: diffResourceChanges(approvedPlan, replan.plan),
      plan_from: opts.planFrom,
    };
    await artifacts.put(
      artifactKey(runId, stepId, ARTIFACT.drift),
      JSON.stringify(drift, null, 2),
      'application/json',
    );
    return { status: 'drift', drift };
  }

  const savedPlan = join(opts.workDir, `approved-${ARTIFACT.savedPlan}`);
  const planJson = join(opts.workDir, `approved-${ARTIFACT.planJson}`);
  await writeFile(savedPlan, await text(from(ARTIFACT.savedPlan)));
  await writeFile(planJson, approvedJson);
  ctx.log.line(`the re-plan matches the approved plan; applying the saved plan of ${opts.planFrom}`);
  let failure: unknown;
  try {
    await applySavedPlan(ctx, { savedPlan, planJson });
  } catch (error) {
    failure = error;
  }
  const report: ApplyReport = {
    status: failure === undefined ? 'applied' : 'failed',
    plan_hash: approvedHash,
    plan_from: opts.planFrom,
    exit_code: failure === undefined ? 0 : 1,
    finished_at: opts.now().toISOString(),
  };
  await artifacts.put(
    artifactKey(runId, stepId, ARTIFACT.apply),
    JSON.stringify(report, null, 2),
    'application/json',
  );
  if (failure !== undefined) throw failure;
  return { status: 'applied', report };
}

/**
 * The use case behind the summarize task that follows every iac build: read the build's
 * artifacts and either return the run's new data or fail the step with the error name the
 * state machine catches (PlanFailed, PolicyFailed, PlanDrift, ApplyFailed), auditing what
 * happened.
 */
import type { PlanSummary, RunData, SummarizeStepInput } from '../../../statemachines/contract.ts';
import { withDriftCheck } from '../drift-checks/drift-check-data.ts';
import { StepFailedError } from '../errors.ts';
import type { ArtifactStore, AuditEventInput, AuditLog, RunStore } from '../ports.ts';
import { sourceDetails } from '../runs/source.ts';
import { ARTIFACT, artifactKey } from './artifact-keys.ts';
import type { ApplyReport, DriftReport, StepSummary } from './step-artifacts.ts';

/** The actor of audit events that the pipeline itself records. */
export const BUILD_ACTOR = { email: 'system:build', name: 'signoff build' } as const;

/** How much of the build log a failure message carries. */
const LOG_TAIL_LINES = 20;
const LOG_TAIL_CHARS = 4000;

/**
 * How many names (failed policies, drifted addresses) an audit event or an error's Cause lists:
 * both grow with the plan, and an audit item must stay under DynamoDB's 400 KB.
 */
const MAX_NAMED = 20;

/** `a, b, c` or `a, b, c and 7 more` when the list is longer than `MAX_NAMED`. */
function nameSome(names: string[]): string {
  const shown = names.slice(0, MAX_NAMED).join(', ');
  return names.length > MAX_NAMED ? `${shown} and ${names.length - MAX_NAMED} more` : shown;
}

/** What summarizeStep needs. */
export interface SummarizeStepDeps {
  artifacts: ArtifactStore;
  audit: AuditLog;
  /** Records a commit the first build resolved on the run (runs started from a branch in AWS). */
  runs: Pick<RunStore, 'pinCommit'>;
  now: () => number;
}

/**
 * The run's source after this build: the commit the build checked out, which must be the run's
 * when it was already pinned. A build that checked out another commit fails the step: its plan
 * or apply is not of the change that was requested or approved.
 */
async function checkSource(deps: SummarizeStepDeps, input: SummarizeStepInput): Promise<RunData['source']> {
  const source = input.data.source;
  const built = input.build.source_version;
  if (!source || !built || buildFailed(input.build)) return source;
  const pinned =
    source.commit ?? (input.run.source?.type === 'repository' ? input.run.source.commit : undefined);
  if (pinned && pinned !== built) {
    const failure = input.action === 'plan' ? 'PlanFailed' : 'ApplyFailed';
    throw new StepFailedError(
      failure,
      `the ${input.action} of ${input.project} built commit ${built}, but the run is pinned to ${pinned}; its result is not used`,
    );
  }
  if (!pinned) await deps.runs.pinCommit(input.run.id, built);
  return { checkout: built, commit: built };
}

/** The plan fields an audit event carries. */
function auditPlan(plan: PlanSummary): NonNullable<AuditEventInput['plan_summary']> {
  const { project, add, change, destroy, replace, hash } = plan;
  return { project, add, change, destroy, replace, hash };
}

function buildFailed(build: SummarizeStepInput['build']): boolean {
  return build.error !== undefined || (build.status !== undefined && build.status !== 'SUCCEEDED');
}

async function readJson<T>(artifacts: ArtifactStore, key: string): Promise<T | undefined> {
  const bytes = await artifacts.get(key);
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as T) : undefined;
}

async function logTail(artifacts: ArtifactStore, key: string): Promise<string> {
  const bytes = await artifacts.get(key);
  if (!bytes) return '(no build log)';
  const lines = new TextDecoder().decode(bytes).trimEnd().split('\n');
  return lines.slice(-LOG_TAIL_LINES).join('\n').slice(-LOG_TAIL_CHARS);
}

/** Reads a finished iac build's artifacts and returns the run's data with this step's results. */
export async function summarizeStep(deps: SummarizeStepDeps, input: SummarizeStepInput): Promise<RunData> {
  const key = (name: string) => artifactKey(input.run.id, input.step_id, name);
  const at = new Date(deps.now()).toISOString();
  const audit = (event: Omit<AuditEventInput, 'actor' | 'workflow' | 'run_id' | 'step_id' | 'at'>) =>
    deps.audit.append({
      actor: { ...BUILD_ACTOR },
      workflow: input.run.workflow,
      run_id: input.run.id,
      step_id: input.step_id,
      at,
      ...event,
    });
  const failure = async () => {
    const cause = input.build.error?.Cause ? ` (${input.build.error.Cause.slice(0, 500)})` : '';
    return `${cause}\n--- last lines of the build log ---\n${await logTail(deps.artifacts, key(ARTIFACT.log))}`;
  };

  const source = await checkSource(deps, input);
  const commit = sourceDetails(input.run.source, { source });
  if (input.action === 'plan') {
    if (buildFailed(input.build)) {
      const message = `the plan of ${input.project} failed${await failure()}`;
      await audit({
        action: 'plan_failed',
        reason: message.split('\n')[0],
        details: { project: input.project },
      });
      throw new StepFailedError('PlanFailed', message);
    }
    const summary = await readJson<StepSummary>(deps.artifacts, key(ARTIFACT.summary));
    if (!summary) {
      const message = `the plan of ${input.project} left no ${ARTIFACT.summary}`;
      await audit({ action: 'plan_failed', reason: message, details: { project: input.project } });
      throw new StepFailedError('PlanFailed', message);
    }
    if (input.mode === 'drift') return withDriftCheck(input, summary, source);
    const { plan, cost, policy } = summary;
    const planSummary = auditPlan(plan);
    if (policy.mandatory_failed > 0) {
      // The summary lists mandatory failures first, capped; the policy artifact has them all.
      const failed = policy.results.filter((r) => !r.passed && r.severity === 'mandatory');
      const unlisted = policy.mandatory_failed - Math.min(failed.length, MAX_NAMED);
      const names =
        failed
          .slice(0, MAX_NAMED)
          .map((r) => r.name)
          .join(', ') + (unlisted > 0 ? ` and ${unlisted} more` : '');
      await audit({
        action: 'policy_failed',
        reason: `mandatory policies failed: ${names}`,
        plan_summary: planSummary,
        details: {
          failed: failed
            .slice(0, MAX_NAMED)
            .map((r) => ({ name: r.name, source: r.source, message: r.message })),
          ...(unlisted > 0 ? { failed_truncated: true, mandatory_failed: policy.mandatory_failed } : {}),
          ...(policy.artifact ? { policy_results: policy.artifact } : {}),
        },
      });
      throw new StepFailedError(
        'PolicyFailed',
        `mandatory policies failed on the plan of ${input.project}: ${names}`,
      );
    }
    return {
      ...input.data,
      ...(source ? { source } : {}),
      plan,
      cost,
      policy,
      ...(summary.gate_rules ? { gate_rules: { ...input.data.gate_rules, ...summary.gate_rules } } : {}),
      steps: {
        ...input.data.steps,
        // `plan_hash` is what the compiled apply step reads (`$.data.steps.<plan step>.plan_hash`)
        // when no gate stands between plan and apply; `changes` is what a gate's change check reads.
        [input.step_id]: {
          action: 'plan',
          project: input.project,
          hash: plan.hash,
          plan_hash: plan.hash,
          changes: plan.add + plan.change + plan.destroy + plan.replace,
        },
      },
    };
  }

  const drift = await readJson<DriftReport>(deps.artifacts, key(ARTIFACT.drift));
  if (drift) {
    await audit({
      action: 'plan_drift_blocked',
      reason: `the re-plan differs from the approved plan at ${nameSome(drift.addresses) || '(no address)'}`,
      details: {
        approved_hash: drift.approved_hash,
        current_hash: drift.current_hash,
        addresses: drift.addresses.slice(0, MAX_NAMED),
        ...(drift.addresses.length > MAX_NAMED
          ? { addresses_total: drift.addresses.length, addresses_truncated: true }
          : {}),
        plan_from: drift.plan_from,
      },
    });
    throw new StepFailedError(
      'PlanDrift',
      `the plan of ${input.project} changed since it was approved (approved ${drift.approved_hash}, now ${drift.current_hash}); differs at: ${nameSome(drift.addresses)}`,
    );
  }
  const report = await readJson<ApplyReport>(deps.artifacts, key(ARTIFACT.apply));
  if (buildFailed(input.build) || report?.status !== 'applied') {
    const message = `the apply of ${input.project} failed${await failure()}`;
    await audit({
      action: 'apply_failed',
      reason: message.split('\n')[0],
      details: { project: input.project, plan_from: input.plan_from },
    });
    throw new StepFailedError('ApplyFailed', message);
  }
  await audit({
    action: 'applied',
    ...(input.data.plan ? { plan_summary: auditPlan(input.data.plan) } : {}),
    details: {
      project: input.project,
      plan_hash: report.plan_hash,
      plan_from: report.plan_from,
      ...commit,
    },
  });
  return {
    ...input.data,
    steps: {
      ...input.data.steps,
      [input.step_id]: { action: 'apply', project: input.project, status: 'applied', hash: report.plan_hash },
    },
  };
}

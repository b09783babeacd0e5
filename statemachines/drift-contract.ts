/**
 * The drift check's data as it travels between the build, the state machine and the handlers.
 *
 * Two things in signoff carry the word "drift"; this file is about the first:
 * - a **drift check** (`action: plan, mode: drift`): a plan, usually on a schedule, that reports
 *   how the real infrastructure differs from the code (`drift-check.json`, `$.data.drift`);
 * - **plan drift** (`PlanDrift`, `drift.json`, `DriftReport`): an apply whose re-plan differs
 *   from the plan that was approved, which blocks that apply.
 */
import type { RunData, RunInfo } from './contract.ts';

/** Whether a project matches its code: `drifted` when any resource differs. */
export type DriftStatus = 'in_sync' | 'drifted';

/** One resource that differs between the code, the state and the real infrastructure. */
export interface DriftedResource {
  address: string;
  /** Changed outside the IaC tool (Terraform's `resource_drift`). */
  changed_outside: boolean;
  /** What the plan would do to bring it back to the code; absent when it would do nothing. */
  planned?: 'create' | 'update' | 'delete' | 'replace';
  /** The attributes whose values differ, sorted; capped in summaries (`attributes_truncated`). */
  attributes: string[];
  attributes_truncated?: boolean;
}

/** What one drift check found, as `$.data.drift.checks[]` holds it: counts and a capped list. */
export interface DriftCheckSummary {
  step_id: string;
  project: string;
  status: DriftStatus;
  /** Resources that differ, of which changed outside the tool and which the plan would change. */
  drifted: number;
  changed_outside: number;
  planned: number;
  /** The first resources (by address); `drift-check.json` lists them all. */
  resources: DriftedResource[];
  resources_truncated: boolean;
  /** The artifact key of the full report. */
  artifact: string;
}

/** Every drift check of the run so far, at `$.data.drift`; `status` is `drifted` when any found drift. */
export interface RunDrift {
  status: DriftStatus;
  checks: DriftCheckSummary[];
}

/** The fix-up run a drift check started (or why none was). */
export interface FixUpOutcome {
  workflow: string;
  run_id?: string;
  /** `started`, `duplicate` (a retried task found the run it started before) or `refused`. */
  outcome: 'started' | 'duplicate' | 'refused';
  message?: string;
}

/** Payload of the task after a drift check: records the project's status, starts a fix-up run on drift. */
export interface RecordDriftCheckInput {
  kind: 'record_drift_check';
  run: RunInfo;
  step_id: string;
  project: string;
  /** The workflow to start on drift (`fix_with`). */
  fix_with?: string;
  data: RunData;
}

/** What that task returns into the step's data (`$.data.steps.<step>.fix_up`). */
export type RecordDriftCheckResult = FixUpOutcome | null;

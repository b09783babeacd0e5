/** Where each project's drift checks are kept: its status (the latest check) and its history. */
import type { DriftedResource, DriftStatus, FixUpOutcome } from '../../../statemachines/drift-contract.ts';

/** One drift check of one project, as stored (the resources capped as in the run's state). */
export interface DriftCheckRecord {
  project: string;
  run_id: string;
  step_id: string;
  workflow: string;
  checked_at: string;
  status: DriftStatus;
  drifted: number;
  changed_outside: number;
  planned: number;
  resources: DriftedResource[];
  resources_truncated: boolean;
  /** The commit the check planned, when the run builds from a repository. */
  commit?: string;
  /** The full report (`drift-check.json`). */
  artifact: string;
  fix_up?: FixUpOutcome;
}

/** The drift checks, one item per check, each written once. */
export interface DriftCheckStore {
  /** Stores a check; false (and nothing written) when that run's step is already recorded. */
  record(check: DriftCheckRecord): Promise<boolean>;
  /** A project's checks, newest first, at most `limit`. */
  history(project: string, limit: number): Promise<DriftCheckRecord[]>;
}

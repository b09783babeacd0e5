/** Where a run's GitHub report stands: the check run and comment it made, and what failed. */
import type { ReportStage } from './github-report.ts';

/** A report that could not be made, as the run page shows it. */
export interface GitHubReportFailure {
  /** `GitHub answered 503 to PATCH /repos/acme/infra/check-runs/7: Server Error` (never a token). */
  reason: string;
  at: string;
  /** Not before this time (GitHub's `retry-after`, or the backoff). */
  retry_at: string;
  attempts: number;
  /** When the first failure of this outage happened (absent on failures recorded before it was kept). */
  since?: string;
  /** Set once signoff stopped retrying (owed too long): the sweep lists it no more. */
  given_up_at?: string;
}

/** One run's report state. */
export interface GitHubReport {
  run_id: string;
  stage: ReportStage;
  check_run_id?: number;
  comment_id?: number;
  /** Set while the report is owed: GitHub has not seen the run as it stands. */
  failure?: GitHubReportFailure;
}

/** One item per reporting run, beside the run; every write is a single-item write. */
export interface GitHubReportStore {
  get(runId: string): Promise<GitHubReport | undefined>;
  /** Records the stage (creating the item); changes nothing else. */
  setStage(runId: string, stage: ReportStage): Promise<void>;
  /**
   * Records the check run's (or comment's) id unless one is recorded already; returns the id that
   * is recorded, so two reporters racing keep the first one.
   */
  claimId(runId: string, field: 'check_run_id' | 'comment_id', id: number): Promise<number>;
  /** Marks the report owed, with why; the sweep lists it until `clearFailure`, or once it is given up. */
  recordFailure(runId: string, failure: GitHubReportFailure): Promise<void>;
  clearFailure(runId: string): Promise<void>;
  /** Runs whose report is owed and may be retried at `now` (ISO), oldest first. */
  listOwed(now: string, limit?: number): Promise<string[]>;
}

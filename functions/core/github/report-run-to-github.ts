/**
 * Brings GitHub up to date with a run: its check run (created once, then edited) and its one pull
 * request comment (likewise), both rendered from the run as it stands. A failure never reaches
 * the run: it is retried a few times here (after `retry-after` when GitHub asks for a short
 * wait), then recorded on the run's report as owed, shown on the run page, audited once as
 * `notification_failed`, and retried by the sweep from its `retry_at` on. Never throws.
 */

import type { RunInfo } from '../../../statemachines/contract.ts';
import { logOf } from '../approval/approval-deps.ts';
import { NOTIFIER_ACTOR } from '../notify/delivery-failures.ts';
import type { AuditLog, Clock, GateStore, LogPort, RunStore } from '../ports.ts';
import { type GitHubApi, GitHubApiError } from './github-api.ts';
import {
  type GitHubTarget,
  githubTargetOf,
  type ReportInput,
  type ReportStage,
  renderCheckRun,
  renderComment,
} from './github-report.ts';
import type { GitHubReport, GitHubReportStore } from './github-report-store.ts';

/** Tries within one report; what still fails is left to the sweep. */
export const REPORT_ATTEMPTS = 3;
/** The longest `retry-after` waited for inline; a longer one is left to the sweep. */
export const MAX_INLINE_WAIT_MS = 2_000;
/** The sweep's backoff when GitHub gave no time: 30 s, doubling, at most an hour. */
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 3_600_000;
/**
 * How long a report stays owed before the sweep stops retrying it: long enough for an outage or a
 * reinstalled app, short of retrying a permanent refusal (a deleted repository, an app removed for
 * good) every hour forever. A later change to the run still tries once more.
 */
export const GIVE_UP_AFTER_MS = 3 * 24 * 3_600_000;

/** What reporting needs. */
export interface GitHubReportDeps {
  runs: Pick<RunStore, 'get'>;
  gates: Pick<GateStore, 'listByRun'>;
  githubReports: GitHubReportStore;
  /** The GitHub App's API, or undefined when no app is configured (nothing is reported). */
  github: () => Promise<GitHubApi | undefined>;
  audit: AuditLog;
  config: { publicUrl: string };
  now: Clock;
  log?: LogPort;
}

/** What one report did. */
export type ReportResult = 'not_reported' | 'not_configured' | 'unchanged' | 'reported' | 'failed';

/**
 * Reports the run. `stage` is what the caller knows before any gate (waiting for a project lock, or
 * planning); with `onlyOnChange`, a stage the report already shows is not sent again. `run`, when
 * the caller has it, lets a run no pull request started be skipped without a read.
 */
export async function reportRunToGitHub(
  deps: GitHubReportDeps,
  runId: string,
  options: { stage?: ReportStage; onlyOnChange?: boolean; run?: RunInfo } = {},
): Promise<ReportResult> {
  const log = logOf(deps);
  try {
    // A caller holding the run's identity spares the reads for runs that report nowhere.
    if (options.run && !githubTargetOf(options.run)) return 'not_reported';
    const api = await deps.github();
    if (!api) return 'not_configured';
    const run = await deps.runs.get(runId);
    const target = run ? githubTargetOf(run) : undefined;
    if (!run || !target) return 'not_reported';
    const report = (await deps.githubReports.get(runId)) ?? { run_id: runId, stage: 'planning' };
    const stage = options.stage ?? report.stage;
    if (
      options.onlyOnChange &&
      report.check_run_id !== undefined &&
      stage === report.stage &&
      !report.failure
    )
      return 'unchanged';
    if (stage !== report.stage || report.check_run_id === undefined)
      await deps.githubReports.setStage(runId, stage);
    const input: ReportInput = {
      run,
      gates: await deps.gates.listByRun(runId),
      stage,
      runUrl: `${deps.config.publicUrl}/runs/${encodeURIComponent(runId)}`,
    };
    return await sendWithRetries(deps, api, target, report, input);
  } catch (error) {
    log.error('github report failed', {
      run_id: runId,
      error: error instanceof Error ? error.name : typeof error,
    });
    return 'failed';
  }
}

/**
 * The check of a run at its project locks: created queued the first time (waiting for a lock, or
 * about to start), then in progress once the locks are held and the plan starts. A run that keeps
 * waiting is not reported again at every try; one with nothing to lock starts in progress.
 */
export async function reportProjectLocks(
  deps: GitHubReportDeps,
  run: RunInfo,
  acquired: boolean,
  nothingToLock = false,
): Promise<void> {
  if (!nothingToLock) await reportRunToGitHub(deps, run.id, { stage: 'queued', onlyOnChange: true, run });
  if (acquired) await reportRunToGitHub(deps, run.id, { stage: 'planning', onlyOnChange: true, run });
}

/** Reports every run whose report is owed and due (the sweep); returns what each did. */
export async function reportOwedRuns(deps: GitHubReportDeps, limit = 50): Promise<ReportResult[]> {
  const owed = await deps.githubReports.listOwed(new Date(deps.now()).toISOString(), limit);
  const results: ReportResult[] = [];
  for (const runId of owed) results.push(await reportRunToGitHub(deps, runId));
  return results;
}

async function sendWithRetries(
  deps: GitHubReportDeps,
  api: GitHubApi,
  target: GitHubTarget,
  report: GitHubReport,
  input: ReportInput,
): Promise<ReportResult> {
  let failure: unknown;
  for (let attempt = 1; attempt <= REPORT_ATTEMPTS; attempt++) {
    try {
      await send(deps, api, target, report, input);
      if (report.failure) await deps.githubReports.clearFailure(report.run_id);
      return 'reported';
    } catch (error) {
      failure = error;
      const waitMs = inlineWait(error, attempt);
      if (attempt === REPORT_ATTEMPTS || waitMs === undefined) break;
      await sleep(waitMs);
    }
  }
  await recordFailure(deps, report, input, failure);
  return 'failed';
}

/** Creates or edits the check run, then the comment; ids are kept on `report` as they are claimed. */
async function send(
  deps: GitHubReportDeps,
  api: GitHubApi,
  target: GitHubTarget,
  report: GitHubReport,
  input: ReportInput,
): Promise<void> {
  const check = renderCheckRun(input);
  if (report.check_run_id === undefined) {
    const created = await api.createCheckRun(target.repository, target.head_sha, check);
    report.check_run_id = await deps.githubReports.claimId(report.run_id, 'check_run_id', created);
    // Another reporter created one first: keep it current too, so the commit shows the run as it stands.
    if (report.check_run_id !== created)
      await api.updateCheckRun(target.repository, report.check_run_id, check);
  } else await api.updateCheckRun(target.repository, report.check_run_id, check);

  const body = renderComment(input);
  if (report.comment_id === undefined) {
    const created = await api.createComment(target.repository, target.pull_number, body);
    report.comment_id = await deps.githubReports.claimId(report.run_id, 'comment_id', created);
    if (report.comment_id !== created) await api.updateComment(target.repository, report.comment_id, body);
  } else await api.updateComment(target.repository, report.comment_id, body);
}

/** How long to wait before trying again here, or undefined to leave it to the sweep. */
function inlineWait(error: unknown, attempt: number): number | undefined {
  if (!(error instanceof GitHubApiError)) return undefined;
  if (error.retryAfterSeconds !== undefined) {
    const ms = error.retryAfterSeconds * 1000;
    return ms <= MAX_INLINE_WAIT_MS ? ms : undefined;
  }
  // A refusal (422, 404) or a revoked installation (401) will not change within a second.
  if (error.status !== undefined && error.status < 500) return undefined;
  return 200 * attempt;
}

async function recordFailure(
  deps: GitHubReportDeps,
  report: GitHubReport,
  input: ReportInput,
  error: unknown,
): Promise<void> {
  const log = logOf(deps);
  const now = deps.now();
  const reason = error instanceof Error ? error.message : 'unknown error';
  const attempts = (report.failure?.attempts ?? 0) + 1;
  const retryAfter = error instanceof GitHubApiError ? error.retryAfterSeconds : undefined;
  const waitMs =
    retryAfter !== undefined
      ? retryAfter * 1000
      : Math.min(BACKOFF_BASE_MS * 2 ** (attempts - 1), BACKOFF_MAX_MS);
  const since = report.failure?.since ?? report.failure?.at ?? new Date(now).toISOString();
  const givenUp = now - Date.parse(since) >= GIVE_UP_AFTER_MS;
  log.warn('github report failed', { run_id: report.run_id, reason, attempts, given_up: givenUp });
  try {
    await deps.githubReports.recordFailure(report.run_id, {
      reason,
      at: new Date(now).toISOString(),
      retry_at: new Date(now + waitMs).toISOString(),
      attempts,
      since,
      ...(givenUp ? { given_up_at: new Date(now).toISOString() } : {}),
    });
    // One audit event per outage, not one per retry.
    if (!report.failure) {
      await deps.audit.append({
        action: 'notification_failed',
        actor: NOTIFIER_ACTOR,
        workflow: input.run.workflow,
        run_id: report.run_id,
        at: new Date(now).toISOString(),
        channel: 'github',
        reason: `GitHub check not updated: ${reason}`,
      });
    }
  } catch (recordError) {
    log.error('recording a github report failure failed', {
      run_id: report.run_id,
      error: recordError instanceof Error ? recordError.name : typeof recordError,
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

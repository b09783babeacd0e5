/** GitHubReportStore in memory, for unit tests. */

import type { ReportStage } from '../core/github/github-report.ts';
import type {
  GitHubReport,
  GitHubReportFailure,
  GitHubReportStore,
} from '../core/github/github-report-store.ts';

/** Keeps reports in a Map; the same first-id-wins rule as the DynamoDB store. */
export class MemoryGitHubReportStore implements GitHubReportStore {
  readonly reports = new Map<string, GitHubReport>();

  async get(runId: string): Promise<GitHubReport | undefined> {
    const report = this.reports.get(runId);
    return report ? structuredClone(report) : undefined;
  }

  async setStage(runId: string, stage: ReportStage): Promise<void> {
    this.item(runId).stage = stage;
  }

  async claimId(runId: string, field: 'check_run_id' | 'comment_id', id: number): Promise<number> {
    const report = this.item(runId);
    report[field] ??= id;
    return report[field];
  }

  async recordFailure(runId: string, failure: GitHubReportFailure): Promise<void> {
    this.item(runId).failure = { ...failure };
  }

  async clearFailure(runId: string): Promise<void> {
    delete this.item(runId).failure;
  }

  async listOwed(now: string, limit = 100): Promise<string[]> {
    return [...this.reports.values()]
      .filter((r) => r.failure && !r.failure.given_up_at && r.failure.retry_at <= now)
      .sort((a, b) => (a.failure?.at ?? '').localeCompare(b.failure?.at ?? ''))
      .slice(0, limit)
      .map((r) => r.run_id);
  }

  private item(runId: string): GitHubReport {
    let report = this.reports.get(runId);
    if (!report) {
      report = { run_id: runId, stage: 'planning' };
      this.reports.set(runId, report);
    }
    return report;
  }
}

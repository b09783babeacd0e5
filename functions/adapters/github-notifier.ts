/**
 * The GitHub channel among the approvers' channels: every change to a gate (asked, an approval
 * counted, decided, timed out) brings the run's check run and pull request comment up to date.
 * It reports its own failures on the run (reportRunToGitHub), so it hands none back to the gate.
 */
import { type GitHubReportDeps, reportRunToGitHub } from '../core/github/report-run-to-github.ts';
import type { Gate, Notifier } from '../core/ports.ts';

/** Notifier that reports the gate's run to GitHub. */
export class GitHubNotifier implements Notifier {
  constructor(private readonly deps: GitHubReportDeps) {}

  async requested(gate: Gate): Promise<void> {
    await this.report(gate);
  }

  async progressed(gate: Gate): Promise<void> {
    await this.report(gate);
  }

  async decided(gate: Gate): Promise<void> {
    await this.report(gate);
  }

  async expired(gate: Gate): Promise<void> {
    await this.report(gate);
  }

  /** An escalation adds people to ask; the check's words do not change. */
  async escalated(): Promise<void> {}

  private async report(gate: Gate): Promise<void> {
    await reportRunToGitHub(this.deps, gate.run.id);
  }
}

/** RunStore in memory, for unit tests. */
import type { RunEnd, RunRecord, RunStore } from '../core/ports.ts';

/** Keeps runs in a Map; same put-if-absent and finish-if-running rules as the DynamoDB store. */
export class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, RunRecord>();

  async create(run: RunRecord): Promise<boolean> {
    if (this.runs.has(run.id)) return false;
    this.runs.set(run.id, structuredClone(run));
    return true;
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const run = this.runs.get(runId);
    return run ? structuredClone(run) : undefined;
  }

  async list(filter: { workflow?: string }, page: { limit?: number; cursor?: string } = {}) {
    const all = [...this.runs.values()]
      .filter((r) => !filter.workflow || r.workflow === filter.workflow)
      .sort((a, b) => b.started_at.localeCompare(a.started_at));
    const start = page.cursor ? Number(page.cursor) : 0;
    const limit = page.limit ?? 25;
    const runs = all.slice(start, start + limit).map((r) => structuredClone(r));
    return { runs, cursor: start + limit < all.length ? String(start + limit) : undefined };
  }

  async finish(runId: string, end: RunEnd): Promise<boolean> {
    const run = this.runs.get(runId);
    if (run?.status !== 'RUNNING') return false;
    Object.assign(run, end);
    return true;
  }

  async pinCommit(runId: string, commit: string): Promise<void> {
    const source = this.runs.get(runId)?.source;
    if (source?.type === 'repository' && source.commit === undefined) source.commit = commit;
  }

  async markNoChanges(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (run) run.no_changes = true;
  }
}

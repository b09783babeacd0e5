/** DriftCheckStore in memory, for unit tests; put-if-absent as the DynamoDB one. */
import type { DriftCheckRecord, DriftCheckStore } from '../core/drift-checks/drift-check-store.ts';

/** DriftCheckStore in a Map. */
export class MemoryDriftCheckStore implements DriftCheckStore {
  private readonly checks = new Map<string, DriftCheckRecord>();

  async record(check: DriftCheckRecord): Promise<boolean> {
    const key = `${check.run_id}#${check.step_id}`;
    if (this.checks.has(key)) return false;
    this.checks.set(key, structuredClone(check));
    return true;
  }

  async history(project: string, limit: number): Promise<DriftCheckRecord[]> {
    return [...this.checks.values()]
      .filter((c) => c.project === project)
      .sort((a, b) => (a.checked_at < b.checked_at ? 1 : a.checked_at > b.checked_at ? -1 : 0))
      .slice(0, limit)
      .map((c) => structuredClone(c));
  }
}

/**
 * Checkpoints kept in memory as an Object Lock bucket keeps them: every put adds a version and
 * none is ever removed; `list` returns the first version of each. Tests use it as the archive.
 */
import type { AuditCheckpoint } from '../core/audit/audit-checkpoint.ts';
import type { CheckpointArchive } from '../core/ports.ts';

/** In-memory CheckpointArchive. */
export class MemoryCheckpointArchive implements CheckpointArchive {
  /** Every version of every checkpoint, oldest first, by number. */
  readonly versions = new Map<number, AuditCheckpoint[]>();

  async put(checkpoint: AuditCheckpoint): Promise<void> {
    const versions = this.versions.get(checkpoint.n) ?? [];
    versions.push(structuredClone(checkpoint));
    this.versions.set(checkpoint.n, versions);
  }

  async list(): Promise<AuditCheckpoint[]> {
    return [...this.versions.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, versions]) => structuredClone(versions[0] as AuditCheckpoint));
  }
}

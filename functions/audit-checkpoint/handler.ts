/**
 * Lambda for the audit checkpoints (an EventBridge schedule every few minutes): anchors every
 * run whose audit trail moved since the last checkpoint, in the table and in the locked archive.
 */
import { writeAuditCheckpoint } from '../core/audit/write-audit-checkpoint.ts';
import { depsFor } from '../wiring/scope.ts';
import { createAuditCheckpointDeps } from './deps.ts';

const getDeps = depsFor(createAuditCheckpointDeps);

/** Handles the scheduled event (its content is not used). */
export const handler = async () => {
  const deps = getDeps();
  const outcome = await writeAuditCheckpoint({
    anchors: deps.anchors,
    ...(deps.checkpointArchive ? { archive: deps.checkpointArchive } : {}),
    now: deps.now,
  });
  deps.logger.info('audit checkpoint', { ...outcome });
  return outcome;
};

/** audit-checkpoint's deps: the audit table's anchors and the Object Lock archive. */
import { DynamoDbAuditLog } from '../adapters/dynamodb-audit-log.ts';
import { S3CheckpointArchive } from '../adapters/s3-checkpoint-archive.ts';
import { createDynamoDocument, createS3Client } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { createLogging } from '../wiring/logging.ts';

export type AuditCheckpointDeps = Pick<AppDeps, 'anchors' | 'checkpointArchive' | 'now' | 'logger'>;

export function createAuditCheckpointDeps(config: Config): AuditCheckpointDeps {
  const now = Date.now;
  return {
    anchors: new DynamoDbAuditLog(createDynamoDocument(config), config.tables.audit, now).anchors,
    ...(config.auditArchiveBucket
      ? { checkpointArchive: new S3CheckpointArchive(createS3Client(config), config.auditArchiveBucket) }
      : {}),
    now,
    logger: createLogging(config).logger,
  };
}

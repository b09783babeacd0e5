/** summarize-step's deps: the run's artifacts, the audit log and the runs table. */
import { DynamoDbAuditLog } from '../adapters/dynamodb-audit-log.ts';
import { DynamoDbRunStore } from '../adapters/dynamodb-run-store.ts';
import { createDynamoDocument } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { createArtifactStore } from '../wiring/stores.ts';

export type SummarizeStepFunctionDeps = Pick<AppDeps, 'artifacts' | 'audit' | 'runs' | 'now'>;

export function createSummarizeStepDeps(config: Config): SummarizeStepFunctionDeps {
  const doc = createDynamoDocument(config);
  const now = Date.now;
  return {
    artifacts: createArtifactStore(config),
    audit: new DynamoDbAuditLog(doc, config.tables.audit, now),
    runs: new DynamoDbRunStore(doc, config.tables.runs),
    now,
  };
}

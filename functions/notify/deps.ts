/** notify's deps: the http steps' secrets, the audit log, the public URL. */
import { DynamoDbAuditLog } from '../adapters/dynamodb-audit-log.ts';
import { createDynamoDocument } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { createLogging } from '../wiring/logging.ts';
import { createSecrets } from '../wiring/secrets.ts';

export type NotifyFunctionDeps = Pick<AppDeps, 'secrets' | 'audit' | 'now' | 'log' | 'config'>;

export function createNotifyDeps(config: Config): NotifyFunctionDeps {
  const now = Date.now;
  return {
    secrets: createSecrets(config),
    audit: new DynamoDbAuditLog(createDynamoDocument(config), config.tables.audit, now),
    now,
    log: createLogging(config).log,
    config,
  };
}

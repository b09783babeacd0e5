/** What the webhook and GitHub triggers share: starting runs of the deployed workflows, and the webhook secrets. */
import { DynamoDbAuditLog } from '../adapters/dynamodb-audit-log.ts';
import { DynamoDbRunStore } from '../adapters/dynamodb-run-store.ts';
import { SfnRunEngine } from '../adapters/sfn-run-engine.ts';
import { createDynamoDocument, createSfnClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { deployedDirectory, deployedWorkflows } from './deployed-config.ts';
import { createLogging } from './logging.ts';
import { createSecrets } from './secrets.ts';
import { createSourceResolver } from './stores.ts';

export type TriggerFunctionDeps = Pick<
  AppDeps,
  'runs' | 'runEngine' | 'audit' | 'workflows' | 'directory' | 'source' | 'now' | 'secrets' | 'log' | 'config'
>;

export function createTriggerDeps(config: Config): TriggerFunctionDeps {
  const doc = createDynamoDocument(config);
  const now = Date.now;
  return {
    runs: new DynamoDbRunStore(doc, config.tables.runs),
    runEngine: new SfnRunEngine(createSfnClient(config)),
    audit: new DynamoDbAuditLog(doc, config.tables.audit, now),
    workflows: deployedWorkflows(config),
    directory: deployedDirectory(config),
    source: createSourceResolver(config),
    now,
    secrets: createSecrets(config),
    log: createLogging(config).log,
    config,
  };
}

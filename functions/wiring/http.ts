/**
 * What the web pages and the JSON API share: runs, gates and votes, the audit trail, sessions,
 * the deployed workflows and directory, the run engine, plans and build logs. A vote cast here
 * answers right after its commit; the drainer notifies the approvers' channels and tells the engine.
 */
import { DynamoDbAuthStore } from '../adapters/dynamodb-auth-store.ts';
import { DynamoDbLockStore } from '../adapters/dynamodb-lock-store.ts';
import { DynamoDbRunStore } from '../adapters/dynamodb-run-store.ts';
import { S3CheckpointArchive } from '../adapters/s3-checkpoint-archive.ts';
import { SfnRunEngine } from '../adapters/sfn-run-engine.ts';
import { SfnStepBuildFinder } from '../adapters/sfn-step-build-finder.ts';
import { SfnWorkflowEngine } from '../adapters/sfn-workflow-engine.ts';
import { createDynamoDocument, createS3Client, createSesClient, createSfnClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { deployedDirectory, deployedWorkflows } from './deployed-config.ts';
import { createGateStores } from './gates.ts';
import { createLogging } from './logging.ts';
import { createNotifier, slackChannel } from './notifier.ts';
import { createSecrets } from './secrets.ts';
import { createArtifactStore, createBuildLogReader, createSourceResolver, logSecretsOf } from './stores.ts';

export type HttpDeps = Omit<AppDeps, 'scheduler' | 'clients' | 'stop' | 'slackApi'>;

export function createHttpDeps(config: Config): HttpDeps {
  const { logger, log } = createLogging(config);
  const doc = createDynamoDocument(config);
  const sfn = createSfnClient(config);
  const s3 = createS3Client(config);
  const now = Date.now;
  const secrets = createSecrets(config);
  const stores = createGateStores(config, doc, now);
  let workflows: AppDeps['workflows'] | undefined;
  return {
    config,
    ...stores,
    auditQuery: stores.audit,
    // `signoff audit verify` checks the trail against the checkpoints and their locked copies.
    anchors: stores.audit.anchors,
    ...(config.auditArchiveBucket
      ? { checkpointArchive: new S3CheckpointArchive(s3, config.auditArchiveBucket) }
      : {}),
    runs: new DynamoDbRunStore(doc, config.tables.runs),
    locks: new DynamoDbLockStore(doc, config.tables.runs),
    runEngine: new SfnRunEngine(sfn),
    get workflows() {
      workflows ??= deployedWorkflows(config);
      return workflows;
    },
    secrets,
    artifacts: createArtifactStore(config, s3),
    auth: new DynamoDbAuthStore(doc, config.tables.auth),
    source: createSourceResolver(config),
    engine: new SfnWorkflowEngine(sfn),
    notifier: createNotifier(config, log, [slackChannel(config, { doc, secrets, log, now })]),
    directory: deployedDirectory(config),
    now,
    log,
    logger,
    stepBuilds: new SfnStepBuildFinder(sfn),
    buildLogs: createBuildLogReader(config),
    logSecrets: logSecretsOf(secrets),
    ses: createSesClient(config),
  };
}

/**
 * What the web pages and the JSON API share: runs, gates and votes, the audit trail, sessions,
 * the deployed workflows and directory, the run engine, plans and build logs. A vote cast here
 * answers right after its commit; the drainer notifies the approvers' channels and tells the engine.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditLog } from '../adapters/dynamodb-audit-log.ts';
import { DynamoDbAuthStore } from '../adapters/dynamodb-auth-store.ts';
import { DynamoDbDriftCheckStore } from '../adapters/dynamodb-drift-check-store.ts';
import { DynamoDbFreezeStore } from '../adapters/dynamodb-freeze-store.ts';
import { DynamoDbGitHubReportStore } from '../adapters/dynamodb-github-report-store.ts';
import { DynamoDbIdentityStore } from '../adapters/dynamodb-identity-store.ts';
import { DynamoDbLockStore } from '../adapters/dynamodb-lock-store.ts';
import { DynamoDbRunStore } from '../adapters/dynamodb-run-store.ts';
import { S3CheckpointArchive } from '../adapters/s3-checkpoint-archive.ts';
import { SfnRunEngine } from '../adapters/sfn-run-engine.ts';
import { SfnStepBuildFinder } from '../adapters/sfn-step-build-finder.ts';
import { SfnWorkflowEngine } from '../adapters/sfn-workflow-engine.ts';
import { createDynamoDocument, createS3Client, createSesClient, createSfnClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { deployedDirectory, deployedFreezes, deployedWorkflows } from './deployed-config.ts';
import { createGateStores } from './gates.ts';
import { createLogging } from './logging.ts';
import { createNotifier, slackChannel } from './notifier.ts';
import { createSecrets } from './secrets.ts';
import { createArtifactStore, createBuildLogReader, createSourceResolver, logSecretsOf } from './stores.ts';

/**
 * The JSON API's deps: runs, gates and votes, the audit trail and its checkpoints, sessions and
 * tokens, locks, and where each run's GitHub report stands (no GitHub client).
 */
export type ApiDeps = Omit<
  AppDeps,
  | 'scheduler'
  | 'clients'
  | 'stop'
  | 'slackApi'
  | 'ses'
  | 'buildLogs'
  | 'logSecrets'
  | 'stepBuilds'
  | 'artifacts'
  | 'githubReporting'
>;

/** The web pages' deps: the API's, plus plans, build logs and the sign-in emails. */
export type WebDeps = ApiDeps &
  Pick<AppDeps, 'ses' | 'buildLogs' | 'logSecrets' | 'stepBuilds' | 'artifacts'>;

interface HttpClients {
  doc: DynamoDBDocumentClient;
  sfn: SFNClient;
  s3: S3Client;
}

function httpClients(config: Config): HttpClients {
  return { doc: createDynamoDocument(config), sfn: createSfnClient(config), s3: createS3Client(config) };
}

export function createApiDeps(config: Config, clients: HttpClients = httpClients(config)): ApiDeps {
  const { doc, sfn, s3 } = clients;
  const { logger, log } = createLogging(config);
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
    freezes: new DynamoDbFreezeStore(doc, config.tables.runs, now),
    freezeWindows: deployedFreezes(config),
    // Read only: the runs list and the project pages show each project's drift checks.
    driftChecks: new DynamoDbDriftCheckStore(doc, config.tables.runs),
    // Read only: the run page says when GitHub could not be told; reporting is other functions'.
    githubReports: new DynamoDbGitHubReportStore(doc, config.tables.runs),
    runEngine: new SfnRunEngine(sfn),
    get workflows() {
      workflows ??= deployedWorkflows(config);
      return workflows;
    },
    secrets,
    auth: new DynamoDbAuthStore(doc, config.tables.auth),
    identities: new DynamoDbIdentityStore(doc, config.tables.auth),
    source: createSourceResolver(config),
    engine: new SfnWorkflowEngine(sfn),
    notifier: createNotifier(config, log, [slackChannel(config, { doc, secrets, log, now })]),
    directory: deployedDirectory(config),
    // A vote's answer waits for its commit only; the drainer (the gates stream) does what it owes.
    voteEffects: 'outbox',
    now,
    log,
    logger,
  };
}

export function createWebDeps(config: Config): WebDeps {
  const clients = httpClients(config);
  const api = createApiDeps(config, clients);
  return {
    ...api,
    artifacts: createArtifactStore(config, clients.s3),
    stepBuilds: new SfnStepBuildFinder(clients.sfn),
    buildLogs: createBuildLogReader(config),
    logSecrets: logSecretsOf(api.secrets),
    ses: createSesClient(config),
  };
}

/** The sign-in function's deps: the auth table (sessions, sign-in state, identity records), the audit log and the client secret. */
export type SigninDeps = Pick<
  AppDeps,
  'config' | 'auth' | 'identities' | 'audit' | 'directory' | 'secrets' | 'now' | 'log' | 'logger'
>;

export function createSigninDeps(config: Config): SigninDeps {
  const doc = createDynamoDocument(config);
  const { logger, log } = createLogging(config);
  const now = Date.now;
  return {
    config,
    auth: new DynamoDbAuthStore(doc, config.tables.auth),
    identities: new DynamoDbIdentityStore(doc, config.tables.auth),
    audit: new DynamoDbAuditLog(doc, config.tables.audit, now),
    directory: deployedDirectory(config),
    secrets: createSecrets(config),
    now,
    log,
    logger,
  };
}

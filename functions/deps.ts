/**
 * Composition: builds the SDK clients and adapters once and hands the use cases their deps.
 * Handlers call `getDeps()` (lazy, once per cold start); the local runtime and tests may call
 * `createDeps` with their own config, directory or extra notifiers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadDirectoryFile } from '../statemachines/load.ts';
import type { Directory } from '../statemachines/schema.ts';
import { CloudWatchBuildLogReader } from './adapters/cloudwatch-build-log-reader.ts';
import { CompositeNotifier, type NamedNotifier } from './adapters/composite-notifier.ts';
import { DynamoDbAuditLog } from './adapters/dynamodb-audit-log.ts';
import { DynamoDbAuthStore } from './adapters/dynamodb-auth-store.ts';
import { DynamoDbGateStore } from './adapters/dynamodb-gate-store.ts';
import { DynamoDbLockStore } from './adapters/dynamodb-lock-store.ts';
import { DynamoDbRunStore } from './adapters/dynamodb-run-store.ts';
import { DynamoDbVoteStore } from './adapters/dynamodb-vote-store.ts';
import { EventBridgeScheduler } from './adapters/eventbridge-scheduler.ts';
import { FileBuildLogReader } from './adapters/file-build-log-reader.ts';
import { FileSecrets } from './adapters/file-secrets.ts';
import { FsArtifactStore } from './adapters/fs-artifact-store.ts';
import { LogNotifier } from './adapters/log-notifier.ts';
import { MetricsNotifier } from './adapters/metrics-notifier.ts';
import { S3ArtifactStore } from './adapters/s3-artifact-store.ts';
import { S3CheckpointArchive } from './adapters/s3-checkpoint-archive.ts';
import { SecretsManagerSecrets } from './adapters/secrets-manager-secrets.ts';
import { SesEmailNotifier } from './adapters/ses-email-notifier.ts';
import { SfnRunEngine } from './adapters/sfn-run-engine.ts';
import { SfnStepBuildFinder } from './adapters/sfn-step-build-finder.ts';
import { SfnWorkflowEngine } from './adapters/sfn-workflow-engine.ts';
import { createSlackAdapters } from './adapters/slack-adapters.ts';
import { TimerScheduler } from './adapters/timer-scheduler.ts';
import { type AwsClients, createAwsClients } from './aws-clients.ts';
import { type Config, loadConfig } from './config.ts';
import type { ApprovalDeps } from './core/approval/approval-deps.ts';
import { escalate } from './core/approval/escalate.ts';
import type { AuthStore } from './core/auth/auth-store.ts';
import type {
  ArtifactStore,
  AuditAnchors,
  AuditQuery,
  BuildLogReader,
  CheckpointArchive,
  LockStore,
  LogPort,
  RunEngine,
  RunStore,
  Secrets,
  StepBuildFinder,
  WorkflowEngine,
} from './core/ports.ts';
import { remoteRepositorySource, type SourceResolver, snapshotSource } from './core/runs/source.ts';
import { loadWorkflowCatalog, type WorkflowCatalog } from './core/runs/workflow-catalog.ts';

/** Everything the handlers use: the use cases' deps plus the audit reader, the clients and the logger. */
export interface AppDeps extends ApprovalDeps {
  config: Config;
  auditQuery: AuditQuery;
  /** The audit head log and checkpoints (in the audit table). */
  anchors: AuditAnchors;
  /** The checkpoints' locked copies (S3 Object Lock), when configured. */
  checkpointArchive?: CheckpointArchive;
  runs: RunStore;
  /** Project locks: items in the runs table. */
  locks: LockStore;
  runEngine: RunEngine;
  /** Loaded on first use: only the handlers that start runs or show workflows read them. */
  readonly workflows: WorkflowCatalog;
  secrets: Secrets;
  artifacts: ArtifactStore;
  /** Sessions, API tokens and used sign-in links (hashed). */
  auth: AuthStore;
  /** Resolves the commit a run builds when it starts. */
  source: SourceResolver;
  /** The builds a run's steps started (its execution history). */
  stepBuilds: StepBuildFinder;
  /** Build logs: CloudWatch Logs in AWS, the build runner's files locally. */
  buildLogs: BuildLogReader;
  /** The secret values masked in build logs (besides the token shapes the masker knows). */
  logSecrets(): Promise<string[]>;
  clients: AwsClients;
  logger: Logger;
  /** Stops local timers (the timer scheduler); a no-op in AWS. */
  stop(): void;
}

/** What a caller may swap in (the local runtime, tests). */
export interface DepsOptions {
  directory?: Directory;
  /** Notifiers besides the log notifier; default: email (SES) and Slack. */
  notifiers?: NamedNotifier[];
  logger?: Logger;
  engine?: WorkflowEngine;
  workflows?: WorkflowCatalog;
  /** Tests only: scales the local timer scheduler's delays (escalations). */
  timerScale?: number;
  secrets?: Secrets;
  auth?: AuthStore;
  /** The local runtime resolves commits in its own git repository. */
  source?: SourceResolver;
  now?: () => number;
  /** More values to mask in build logs (the local runtime's secret-looking environment, which its builds inherit). */
  logSecrets?: string[];
  /** Where votes' owed work is done (ApprovalDeps `voteEffects`); default inline. */
  voteEffects?: ApprovalDeps['voteEffects'];
}

/** Builds the deps from config: DynamoDB stores, Step Functions engine, scheduler, notifiers. */
export function createDeps(config: Config, options: DepsOptions = {}): AppDeps {
  const logger = options.logger ?? new Logger({ serviceName: config.serviceName });
  const log: LogPort = {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
  const clients = createAwsClients(config);
  const now = options.now ?? Date.now;
  const audit = new DynamoDbAuditLog(clients.doc, config.tables.audit, now);
  const secrets =
    options.secrets ??
    (config.secrets.kind === 'file'
      ? new FileSecrets(config.secrets.path)
      : new SecretsManagerSecrets(clients.secrets, config.secrets.prefix));
  // The approvers' channels: email and Slack, unless the caller (a test) brings its own.
  const channels: NamedNotifier[] = options.notifiers ?? [
    { name: 'email', notifier: new SesEmailNotifier({ ses: clients.ses, config, secrets, now, log }) },
    {
      name: 'slack',
      notifier: createSlackAdapters({
        secrets,
        doc: clients.doc,
        gatesTable: config.tables.gates,
        publicUrl: config.publicUrl,
        ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
        ...(config.slackDefaultChannel ? { defaultChannel: config.slackDefaultChannel } : {}),
        log,
        now,
      }).notifier,
    },
  ];
  // CloudWatch metrics in AWS; locally they would only be noise on the console.
  const metrics: NamedNotifier[] = config.local ? [] : [{ name: 'metrics', notifier: new MetricsNotifier() }];
  const notifier = new CompositeNotifier(
    [{ name: 'log', notifier: new LogNotifier(log) }, ...metrics, ...channels],
    log,
  );
  const timer =
    config.scheduler.kind === 'timer'
      ? new TimerScheduler(
          (gateId, index) => escalate(deps, gateId, index),
          log,
          Date.now,
          options.timerScale,
        )
      : undefined;
  const scheduler =
    config.scheduler.kind === 'eventbridge'
      ? new EventBridgeScheduler(clients.scheduler, config.scheduler)
      : timer;
  if (!scheduler) throw new Error('no scheduler configured');
  let workflows = options.workflows;
  const deps: AppDeps = {
    config,
    runs: new DynamoDbRunStore(clients.doc, config.tables.runs),
    locks: new DynamoDbLockStore(clients.doc, config.tables.runs),
    runEngine: new SfnRunEngine(clients.sfn),
    get workflows() {
      workflows ??= loadWorkflowCatalog(config.configDir, config.stateMachineArnPrefix);
      return workflows;
    },
    secrets,
    artifacts:
      config.artifacts.kind === 's3'
        ? new S3ArtifactStore(clients.s3, config.artifacts.bucket)
        : new FsArtifactStore(config.artifacts.dir),
    auth: options.auth ?? new DynamoDbAuthStore(clients.doc, config.tables.auth),
    source:
      options.source ??
      (config.source.kind === 'repository' ? remoteRepositorySource(config.source) : snapshotSource),
    gates: new DynamoDbGateStore(clients.doc, config.tables.gates),
    votes: new DynamoDbVoteStore(clients.doc, config.tables.gates),
    audit,
    auditQuery: audit,
    anchors: audit.anchors,
    ...(config.auditArchiveBucket
      ? { checkpointArchive: new S3CheckpointArchive(clients.s3, config.auditArchiveBucket) }
      : {}),
    engine: options.engine ?? new SfnWorkflowEngine(clients.sfn),
    notifier,
    scheduler,
    directory: options.directory ?? loadDirectoryFile(config.directoryFile),
    now,
    log,
    ...(options.voteEffects ? { voteEffects: options.voteEffects } : {}),
    stepBuilds: new SfnStepBuildFinder(clients.sfn),
    buildLogs:
      config.buildLogs.kind === 'cloudwatch'
        ? new CloudWatchBuildLogReader(clients.logs, config.buildLogs.groups)
        : new FileBuildLogReader(config.buildLogs.dir),
    logSecrets: async () => [...(await readLogSecrets(secrets)), ...(options.logSecrets ?? [])],
    clients,
    logger,
    stop: () => timer?.stop(),
  };
  return deps;
}

/**
 * signoff's secrets the web function may read (infra/functions.ts), masked wherever a build log
 * shows them. A secret that cannot be read fails the request rather than show a log unmasked.
 */
const LOG_MASKED_SECRETS = ['slack-bot-token', 'link-signing-key'] as const;

async function readLogSecrets(secrets: Secrets): Promise<string[]> {
  const values = await Promise.all(LOG_MASKED_SECRETS.map((name) => secrets.get(name)));
  return values.filter((v): v is string => v !== undefined);
}

let cached: AppDeps | undefined;
// One process can host several functions (the AWS contract tests run each handler as its own
// function, with its own credentials); an invocation inside `runWithDeps` sees only its deps.
const invocationDeps = new AsyncLocalStorage<AppDeps>();

/** The deps of this invocation: those of `runWithDeps`, else the process-wide ones, built from the environment on first use (a Lambda cold start). */
export function getDeps(): AppDeps {
  const scoped = invocationDeps.getStore();
  if (scoped) return scoped;
  cached ??= createDeps(loadConfig());
  return cached;
}

/** Runs `fn` (a handler invocation) with `deps` as what `getDeps()` returns inside it. */
export function runWithDeps<T>(deps: AppDeps, fn: () => T): T {
  return invocationDeps.run(deps, fn);
}

/** Installs the process-wide deps (the local runtime builds its own, with local notifiers). */
export function setDeps(deps: AppDeps | undefined): void {
  cached = deps;
}

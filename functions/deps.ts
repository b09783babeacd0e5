/**
 * Composition of everything: the local runtime and the tests build every adapter with
 * `createDeps` and install it (wiring/scope.ts), and every handler takes its part of it. In
 * Lambda a handler never imports this file: the `deps.ts` beside it builds only what it uses,
 * from the same factories (wiring/).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { FreezeDefinition } from '../statemachines/freezes.ts';
import { formatProblem, loadDirectoryFile, loadWorkspace, type Workspace } from '../statemachines/load.ts';
import type { Directory } from '../statemachines/schema.ts';
import type { NamedNotifier } from './adapters/composite-notifier.ts';
import { DynamoDbAuthStore } from './adapters/dynamodb-auth-store.ts';
import { DynamoDbDriftCheckStore } from './adapters/dynamodb-drift-check-store.ts';
import { DynamoDbFreezeStore } from './adapters/dynamodb-freeze-store.ts';
import { DynamoDbIdentityStore } from './adapters/dynamodb-identity-store.ts';
import { DynamoDbLockStore } from './adapters/dynamodb-lock-store.ts';
import { DynamoDbRunStore } from './adapters/dynamodb-run-store.ts';
import { EventBridgeScheduler } from './adapters/eventbridge-scheduler.ts';
import { S3CheckpointArchive } from './adapters/s3-checkpoint-archive.ts';
import { SfnRunEngine } from './adapters/sfn-run-engine.ts';
import { SfnStepBuildFinder } from './adapters/sfn-step-build-finder.ts';
import { SfnWorkflowEngine } from './adapters/sfn-workflow-engine.ts';
import { TimerScheduler } from './adapters/timer-scheduler.ts';
import { type AwsClients, createAwsClients } from './aws-clients.ts';
import type { Config } from './config.ts';
import type { ApprovalDeps } from './core/approval/approval-deps.ts';
import { escalate } from './core/approval/escalate.ts';
import type { AuthStore } from './core/auth/auth-store.ts';
import type { IdentityStore } from './core/auth/identity-store.ts';
import type { DriftCheckStore } from './core/drift-checks/drift-check-store.ts';
import type { GitHubReportStore } from './core/github/github-report-store.ts';
import type { GitHubReportDeps } from './core/github/report-run-to-github.ts';
import type {
  ArtifactStore,
  AuditAnchors,
  AuditQuery,
  BuildLogReader,
  CheckpointArchive,
  FreezeStore,
  LockStore,
  RunEngine,
  RunStore,
  Secrets,
  StepBuildFinder,
  WorkflowEngine,
} from './core/ports.ts';
import type { SourceResolver } from './core/runs/source.ts';
import { createWorkflowCatalog, type WorkflowCatalog } from './core/runs/workflow-catalog.ts';
import type { SlackApi } from './core/slack/slack-api.ts';
import { createGateStores } from './wiring/gates.ts';
import { createGitHubReportDeps, githubChannel } from './wiring/github.ts';
import { createLogging } from './wiring/logging.ts';
import { approverChannels, createNotifier } from './wiring/notifier.ts';
import { createSecrets } from './wiring/secrets.ts';
import { createInteractionSlackApi } from './wiring/slack.ts';
import {
  createArtifactStore,
  createBuildLogReader,
  createSourceResolver,
  logSecretsOf,
} from './wiring/stores.ts';

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
  /** Ad-hoc freezes: one item in the runs table. */
  freezes: FreezeStore;
  /** `config/freezes.yaml`'s windows; loaded on first use. */
  readonly freezeWindows: readonly FreezeDefinition[];
  /** The projects' drift checks: items in the runs table. */
  driftChecks: DriftCheckStore;
  runEngine: RunEngine;
  /** Loaded on first use: only the handlers that start runs or show workflows read them. */
  readonly workflows: WorkflowCatalog;
  secrets: Secrets;
  artifacts: ArtifactStore;
  /** Sessions, API tokens and used sign-in links (hashed). */
  auth: AuthStore;
  /** People's last sign-ins through the identity provider (in the auth table). */
  identities: IdentityStore;
  /** Resolves the commit a run builds when it starts. */
  source: SourceResolver;
  /** The builds a run's steps started (its execution history). */
  stepBuilds: StepBuildFinder;
  /** Build logs: CloudWatch Logs in AWS, the build runner's files locally. */
  buildLogs: BuildLogReader;
  /** The secret values masked in build logs (besides the token shapes the masker knows). */
  logSecrets(): Promise<string[]>;
  clients: AwsClients;
  /** The Slack Web API of the interactions handler (who clicked, ephemeral answers). */
  slackApi: SlackApi;
  /** SES: the web function emails sign-in links. */
  ses: SESv2Client;
  logger: Logger;
  /** Reporting runs to GitHub (check runs, pull request comments) and retrying what is owed. */
  githubReporting: GitHubReportDeps;
  /** Where each run's GitHub report stands (the run page shows a failed one). */
  githubReports: GitHubReportStore;
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
  freezeWindows?: FreezeDefinition[];
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
  /**
   * False for a function that does not report to GitHub (as its own deps.ts in Lambda, which the
   * AWS contract suite stands in for: it holds no grant on the GitHub App's secrets); default true.
   */
  github?: boolean;
}

/** Builds the deps from config: DynamoDB stores, Step Functions engine, scheduler, notifiers. */
export function createDeps(config: Config, options: DepsOptions = {}): AppDeps {
  const { logger, log } = createLogging(config, options.logger);
  const clients = createAwsClients(config);
  const now = options.now ?? Date.now;
  const { gates, votes, audit } = createGateStores(config, clients.doc, now);
  const secrets = options.secrets ?? createSecrets(config);
  // The approvers' channels: email and Slack, unless the caller (a test) brings its own; and GitHub,
  // which reports nothing until the GitHub App's secrets are set.
  const parts = { doc: clients.doc, secrets, log, now };
  const channels = options.notifiers ?? approverChannels(config, parts);
  const github = options.github === false ? [] : [githubChannel(config, parts)];
  const notifier = createNotifier(config, log, [...channels, ...github]);
  const githubReporting = createGitHubReportDeps(config, parts);
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
  let freezeWindows = options.freezeWindows;
  // Read once for both the workflows and the freezes, on first use of either.
  let workspace: Workspace | undefined;
  const checkedWorkspace = () => {
    workspace ??= loadCheckedWorkspace(config.configDir);
    return workspace;
  };
  const deps: AppDeps = {
    config,
    runs: new DynamoDbRunStore(clients.doc, config.tables.runs),
    locks: new DynamoDbLockStore(clients.doc, config.tables.runs),
    freezes: new DynamoDbFreezeStore(clients.doc, config.tables.runs, now),
    driftChecks: new DynamoDbDriftCheckStore(clients.doc, config.tables.runs),
    runEngine: new SfnRunEngine(clients.sfn),
    get workflows() {
      workflows ??= createWorkflowCatalog(
        checkedWorkspace().workflows.map((w) => w.workflow),
        config.stateMachineArnPrefix,
      );
      return workflows;
    },
    get freezeWindows() {
      freezeWindows ??= checkedWorkspace().freezes.freezes;
      return freezeWindows;
    },
    secrets,
    artifacts: createArtifactStore(config, clients.s3),
    auth: options.auth ?? new DynamoDbAuthStore(clients.doc, config.tables.auth),
    identities: new DynamoDbIdentityStore(clients.doc, config.tables.auth),
    source: options.source ?? createSourceResolver(config),
    gates,
    votes,
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
    buildLogs: createBuildLogReader(config, clients.logs),
    logSecrets: logSecretsOf(secrets, options.logSecrets),
    clients,
    ses: clients.ses,
    slackApi: createInteractionSlackApi(config, { secrets, now }),
    logger,
    githubReporting,
    githubReports: githubReporting.githubReports,
    stop: () => timer?.stop(),
  };
  return deps;
}

/** Loads `workflows/` and `config/` under `dir`; throws listing every problem (a deployment bug, not user input). */
function loadCheckedWorkspace(dir: string): Workspace {
  const workspace = loadWorkspace(dir);
  if (workspace.problems.length > 0) {
    throw new Error(`invalid workflows:\n${workspace.problems.map(formatProblem).join('\n')}`);
  }
  return workspace;
}

/**
 * The local runtime: dynalite, the local Step Functions server, the SES emulator and the HTTP
 * gateway, wired to the same handler modules and the same compiled state machines as AWS.
 */
import './polyfills.ts';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import dynalite from 'dynalite';
import type { NamedNotifier } from '../functions/adapters/composite-notifier.ts';
import { createTables } from '../functions/adapters/tables.ts';
import { createAwsClients } from '../functions/aws-clients.ts';
import { type Config, loadConfig, loadLocalRuntimeConfig, type OidcConfig } from '../functions/config.ts';
import { logOf } from '../functions/core/approval/approval-deps.ts';
import { rearmEscalations } from '../functions/core/approval/rearm-escalations.ts';
import { writeAuditCheckpoint } from '../functions/core/audit/write-audit-checkpoint.ts';
import { OIDC_CLIENT_SECRET } from '../functions/core/auth/oidc.ts';
import { holdProjectLocks } from '../functions/core/locks/hold-project-locks.ts';
import { secretEnvironmentValues } from '../functions/core/logs/mask-secrets.ts';
import { createWorkflowCatalog } from '../functions/core/runs/workflow-catalog.ts';
import { startScheduledRun } from '../functions/core/triggers/start-scheduled-run.ts';
import { type AppDeps, createDeps } from '../functions/deps.ts';
import type { HttpFunction } from '../functions/routes.ts';
import { setDeps } from '../functions/wiring/scope.ts';
import { GATES_SWEEP_MINUTES } from '../infra/gates-stream.ts';
import { compileWorkflow, placeholdersOf, substitutePlaceholders } from '../statemachines/compile.ts';
import { PLACEHOLDER } from '../statemachines/contract.ts';
import { formatProblem, loadWorkspace, type Workspace } from '../statemachines/load.ts';
import type { Workflow } from '../statemachines/schema.ts';
import type { BuildPoolStats } from './build-pool.ts';
import { createLocalBuildRunner } from './build-runner.ts';
import { createDevRoutes, type DevRoutes } from './dev-routes.ts';
import { startGatesStream } from './gates-stream.ts';
import { type HttpHandler, lambdaContext, startGateway } from './gateway.ts';
import { createLocalGitHub, type LocalGitHub } from './github/local-github.ts';
import { send } from './http-io.ts';
import { devAccounts } from './idp/dev-accounts.ts';
import { type DevIdp, startDevIdp } from './idp/dev-idp.ts';
import { createLocalSecrets, ensureSecretsFile, generatedSecretNames } from './local-secrets.ts';
import { defaultIdentity, ensureLocalTokens } from './local-tokens.ts';
import { runEndedEvent } from './run-ended-event.ts';
import { type LocalSchedules, startLocalSchedules } from './schedules.ts';
import { startSesInbox } from './ses-inbox.ts';
import { createLocalSlack } from './slack/local-slack.ts';
import { ensureSourceRepository, localGitSource } from './source-repository.ts';
import { createLocalStepFunctions, type LocalStepFunctions } from './stepfunctions/index.ts';
import { describeReload, type WorkflowReload, watchWorkflows } from './workflow-reload.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const FUNCTION_PREFIX = 'signoff-';
const STATE_MACHINE_PREFIX = 'signoff-';

/** The Lambda handlers the state machines invoke, by folder name. */
const TASK_FUNCTIONS = {
  [PLACEHOLDER.requestApproval]: 'request-approval',
  [PLACEHOLDER.recordTimeout]: 'record-timeout',
  [PLACEHOLDER.summarizeStep]: 'summarize-step',
  [PLACEHOLDER.notify]: 'notify',
  [PLACEHOLDER.runEnded]: 'run-ended',
} as const;

const HTTP_FUNCTIONS: HttpFunction[] = [
  'api',
  'web',
  'signin',
  'slack-interactions',
  'github-webhook',
  'webhook',
];

/** The local identity provider's client. */
const DEV_IDP_CLIENT = 'signoff-local';

/** Options of `startRuntime`; everything has a default suitable for `npm start`. */
export interface RuntimeOptions {
  /** The repository (workflows/, config/, infra/buildspec.yml). */
  root?: string;
  /** Persistent data (.signoff/ by default). */
  dataDir?: string;
  /** Web + API port (0 = random). */
  port?: number;
  /** SES inbox port (0 = random). */
  inboxPort?: number;
  /** Keep data in memory only (tests); dynalite then has no path. */
  inMemory?: boolean;
  /** Extra notifiers (tests). */
  notifiers?: NamedNotifier[];
  /** Build log lines (progress output). */
  onBuildLine?: (buildId: string, line: string) => void;
  /** Told what each reload of `workflows/` did (default: the problems go to the logger). */
  onWorkflowsReload?: (reload: WorkflowReload) => void;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /**
   * Tests only: every approval task waits this many seconds instead of the workflow's timeout,
   * so the timeout path runs in seconds. The compiled ASL is otherwise unchanged.
   */
  approvalTimeoutSeconds?: number;
  /** Tests only: scales escalation delays (0.001 makes an hour 3.6 s). */
  escalationDelayScale?: number;
  /**
   * How often the drainer (resume-gate) is handed what the gates stream recorded (default 250 ms,
   * as Lambda polls a stream shard); 0 turns the stream off.
   */
  streamPollIntervalMs?: number;
  /** How often the sweep drains every gate that owes something (default 5 minutes, the schedule in AWS). */
  sweepIntervalMs?: number;
  /** How many builds run at once; default SIGNOFF_BUILD_WORKERS, else the number of CPUs. */
  buildWorkers?: number;
  /** Seconds between audit checkpoints (the EventBridge schedule in AWS); default 60, 0 for none. */
  auditCheckpointSeconds?: number;
  /** How often the workflows' schedules are looked at (default 15 s; 0: only by `schedules.tick()`). */
  scheduleTickMs?: number;
  /** The shortest pause between two freeze checks of a frozen apply (default 300 s, as in AWS). */
  freezePollSeconds?: number;
  /**
   * How people sign in to the web pages: `'dev'` runs the local identity provider with the
   * directory's people; settings name a real one (the client secret from SIGNOFF_OIDC_CLIENT_SECRET
   * or the secrets file). Without it (tests), only emailed links.
   */
  idp?: 'dev' | OidcConfig;
  /** The local identity provider's port (default 8006; 0 = random). */
  idpPort?: number;
  /** Emailed sign-in links alongside the identity provider (default: off when there is one). */
  emailSignin?: boolean;
}

/** A running local runtime. */
export interface Runtime {
  url: string;
  inboxUrl: string;
  dataDir: string;
  /** The git repository runs build commits of. */
  repository: string;
  config: Config;
  deps: AppDeps;
  sfn: LocalStepFunctions;
  /** The workflows' schedules, as EventBridge Scheduler runs them in AWS. */
  schedules: LocalSchedules;
  workspace: Workspace;
  /** Loads `workflows/` again now, as a change to a file there does. */
  reloadWorkflows(): Promise<WorkflowReload>;
  dev: DevRoutes;
  /** The local GitHub stand-in, unless a real GitHub App is configured (GITHUB_APP_ID). */
  github?: LocalGitHub;
  /** The local identity provider, with `idp: 'dev'`. */
  idp?: DevIdp;
  /** The build runner's worker pool counters (running, queued, most at once). */
  buildStats(): BuildPoolStats;
  stop(): Promise<void>;
}

/** Tests only: every approval task of the definition waits `seconds` instead of the workflow's timeout. */
export function shortenApprovalTimeouts(
  definition: { States: Record<string, Record<string, unknown>> },
  seconds: number,
) {
  for (const state of Object.values(definition.States)) {
    if (String(state.Resource).endsWith('.waitForTaskToken')) state.TimeoutSeconds = seconds;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });
}

/** Starts everything and returns once `/api/health` would answer ok. */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const root = resolve(options.root ?? process.cwd());
  const dataDir = resolve(options.dataDir ?? join(root, '.signoff'));
  mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };

  try {
    const workspace = loadWorkspace(root);
    if (workspace.problems.length > 0) {
      throw new Error(`the workflows have problems:\n${workspace.problems.map(formatProblem).join('\n')}`);
    }
    const workflows = workspace.workflows.map((w) => w.workflow);
    // The projects' source: a git repository made on first start; runs build one of its commits.
    const repository = await ensureSourceRepository(root, join(dataDir, 'repository'));

    // DynamoDB: dynalite, persisted under .signoff/dynamodb.
    const db = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(options.inMemory ? {} : { path: join(dataDir, 'dynamodb') }),
    });
    const dbPort = await listen(db, 0);
    stops.push(() => new Promise<void>((done) => db.close(() => done())));

    // SES: the emulator with its web inbox.
    const inbox = await startSesInbox(options.inboxPort ?? 8005);
    stops.push(inbox.stop);
    const inboxPort = Number(new URL(inbox.url).port);

    // Secrets: generated once, mode 0600.
    const secretsFile = join(dataDir, 'secrets.json');
    ensureSecretsFile(secretsFile, generatedSecretNames(workflows));
    const httpSecretNames = workflows.flatMap((w) =>
      w.steps.flatMap((s) => (s.type === 'http' && s.secret ? [s.secret] : [])),
    );
    let url = '';
    const secrets = createLocalSecrets({
      file: secretsFile,
      env: process.env,
      httpSecretNames,
      sinkUrl: () => `${url}/dev/notifications`,
      localSlackToken: () => localSlack?.botToken,
    });

    // Step Functions: the local server; Lambda tasks call the handler modules in process.
    const handlers = new Map<string, (event: unknown, context: Context) => Promise<unknown>>();
    const taskHandler = async (name: string) => {
      let handler = handlers.get(name);
      if (!handler) {
        handler = (
          (await import(`../functions/${name}/handler.ts`)) as {
            handler: (e: unknown, c: Context) => Promise<unknown>;
          }
        ).handler;
        handlers.set(name, handler);
      }
      return handler;
    };
    // The deps exist once the handlers are wired, before any execution is resumed.
    let lateDeps: AppDeps | undefined;
    const buildRunner = createLocalBuildRunner({
      root,
      repository,
      logDir: join(dataDir, 'builds'),
      projectEnv: {
        SIGNOFF_ARTIFACTS_DIR: join(dataDir, 'artifacts'),
        LOCAL_FILES_STATE_DIR: join(dataDir, 'example-state'),
        LOCAL_FILES_ROOT: join(dataDir, 'example-files'),
      },
      onLine: options.onBuildLine,
      workers: options.buildWorkers ?? loadLocalRuntimeConfig().buildWorkers,
      // An apply a crash cut off may have changed part of its project: its lock stays held until
      // an admin has checked the project and releases it (`signoff unlock`).
      onInterruptedApply: async (build) => {
        const runId = build.execution_arn.split(':').at(-1) ?? '';
        if (!lateDeps) return;
        await holdProjectLocks(
          lateDeps,
          runId,
          `its apply was interrupted (build ${build.build_id}), so what it changed is unknown: check the project, then release the lock`,
        );
      },
    });
    const sfn = createLocalStepFunctions({
      dataDir: join(dataDir, 'stepfunctions'),
      region: REGION,
      accountId: ACCOUNT,
      invokeLambda: async (arn, payload) => {
        const name = arn.split(':function:')[1]?.replace(FUNCTION_PREFIX, '') ?? '';
        if (!Object.values(TASK_FUNCTIONS).includes(name as never))
          throw new Error(`no local function for ${arn}`);
        return (await taskHandler(name))(payload, lambdaContext(`${FUNCTION_PREFIX}${name}`, 300_000));
      },
      runBuild: buildRunner,
      describeInterruptedBuild: buildRunner.describeInterrupted,
    });
    const { endpoint: sfnEndpoint } = await sfn.start(0);
    stops.push(() => sfn.stop());

    // Slack: the real one when a bot token is set; otherwise a local stand-in shown at /dev/slack.
    const realSlack = Boolean(process.env.SLACK_BOT_TOKEN);
    const localSlack = realSlack
      ? undefined
      : await createLocalSlack({
          signingSecret: async () => (await secrets.get('slack-signing-secret')) ?? '',
          directory: workspace.directory,
          interactionsUrl: () => `${url}/slack/interactions`,
          dataDir,
        });
    if (localSlack) stops.push(() => localSlack.stop());
    // GitHub: a real app when GITHUB_APP_ID is set; otherwise a local stand-in shown at /dev/github.
    const localGitHub = process.env.GITHUB_APP_ID
      ? undefined
      : await createLocalGitHub({ secretsFile, dataDir });
    if (localGitHub) stops.push(() => localGitHub.stop());

    // Config: what a Lambda would get from its environment, pointed at the emulators.
    const port = options.port ?? 3000;
    const config = loadConfig({
      AWS_REGION: REGION,
      SIGNOFF_LOCAL: '1',
      SIGNOFF_GATES_TABLE: 'signoff-gates',
      SIGNOFF_AUDIT_TABLE: 'signoff-audit',
      SIGNOFF_RUNS_TABLE: 'signoff-runs',
      SIGNOFF_AUTH_TABLE: 'signoff-auth',
      SIGNOFF_DYNAMODB_ENDPOINT: `http://127.0.0.1:${dbPort}`,
      SIGNOFF_SFN_ENDPOINT: sfnEndpoint,
      SIGNOFF_SES_ENDPOINT: `http://127.0.0.1:${inboxPort}`,
      SIGNOFF_SCHEDULER: 'timer',
      SIGNOFF_CONFIG_DIR: root,
      SIGNOFF_STATE_MACHINE_ARN_PREFIX: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${STATE_MACHINE_PREFIX}`,
      SIGNOFF_PUBLIC_URL: `http://127.0.0.1:${port}`,
      SIGNOFF_ARTIFACTS_DIR: join(dataDir, 'artifacts'),
      SIGNOFF_SECRETS_FILE: secretsFile,
      SIGNOFF_BUILD_LOG_DIR: join(dataDir, 'builds'),
      SIGNOFF_EMAIL_FROM: 'signoff@localhost',
      ...(options.freezePollSeconds
        ? { SIGNOFF_FREEZE_POLL_SECONDS: String(options.freezePollSeconds) }
        : {}),
      ...(localSlack ? { SIGNOFF_SLACK_API_URL: localSlack.apiUrl } : {}),
      ...(localGitHub ? { SIGNOFF_GITHUB_API_URL: localGitHub.apiUrl } : {}),
      POWERTOOLS_SERVICE_NAME: 'signoff',
    });
    await createTables(createAwsClients(config).dynamodb, config.tables);

    const logger = new Logger({ serviceName: 'signoff', logLevel: options.logLevel ?? 'WARN' });
    const catalog = createWorkflowCatalog(workflows, config.stateMachineArnPrefix);
    const deps = createDeps(config, {
      directory: workspace.directory,
      workflows: catalog,
      freezeWindows: workspace.freezes.freezes,
      secrets,
      logger,
      source: localGitSource(repository),
      // Local builds inherit the shell's environment: its secret-looking values are masked in build logs.
      logSecrets: secretEnvironmentValues(process.env),
      ...(options.notifiers ? { notifiers: options.notifiers } : {}),
      ...(options.escalationDelayScale ? { timerScale: options.escalationDelayScale } : {}),
      // As in AWS: a vote is answered right after its commit, and the drainer below does the rest.
      voteEffects: 'outbox',
    });
    setDeps(deps);
    lateDeps = deps;
    stops.push(() => {
      deps.stop();
      setDeps(undefined);
    });
    // The drainer, as the gates stream invokes resume-gate in AWS: what votes owe (audit events,
    // message updates, engine calls) is done after their answers, never before them, and only
    // what AWS would deliver is delivered (local/gates-stream.ts). Stopping waits for a batch in
    // flight, before the deps go.
    const resumeGate = (await import('../functions/resume-gate/handler.ts')).handler;
    const stream = startGatesStream({
      table: config.tables.gates,
      doc: deps.clients.doc,
      deliver: (event) => resumeGate(event),
      log: logOf(deps),
      ...(options.streamPollIntervalMs !== undefined ? { pollIntervalMs: options.streamPollIntervalMs } : {}),
    });
    stream.watch(deps.clients.dynamodb);
    stops.push(() => stream.stop());
    await ensureLocalTokens(deps, join(dataDir, 'tokens.json'));

    // The compiled workflows, with the local ARNs in place of the placeholders.
    const registerWorkflow = async (workflow: Workflow) => {
      ensureSecretsFile(secretsFile, generatedSecretNames([workflow]));
      const definition = compileWorkflow(workflow, { source: 'repository' });
      const values: Record<string, string> = {};
      for (const name of placeholdersOf(definition)) {
        const fn = TASK_FUNCTIONS[name as keyof typeof TASK_FUNCTIONS];
        values[name] = fn
          ? `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_PREFIX}${fn}`
          : `signoff-${name.replace(/^BuildProject_/, '').replace(/_/g, '-')}`;
      }
      const local = substitutePlaceholders(definition, values);
      if (options.approvalTimeoutSeconds) shortenApprovalTimeouts(local, options.approvalTimeoutSeconds);
      await sfn.createStateMachine(`${STATE_MACHINE_PREFIX}${workflow.name}`, local);
    };
    for (const workflow of workflows) await registerWorkflow(workflow);
    // A new or edited workflow file is picked up without a restart; one with problems is refused.
    const reloader = watchWorkflows({
      root,
      catalog,
      initial: workspace.workflows,
      register: registerWorkflow,
      onReload:
        options.onWorkflowsReload ??
        ((reload) => {
          for (const line of describeReload(reload)) logger.warn(line);
        }),
    });
    stops.push(() => reloader.stop());

    // Runs end in Step Functions: the run-ended handler records how, from the same status-change
    // event EventBridge delivers in AWS.
    const runEnded = (await import('../functions/run-ended/handler.ts')).handler;
    stops.push(
      sfn.onEvent((notice) => {
        const event = runEndedEvent(notice, { account: ACCOUNT, region: REGION });
        if (!event) return;
        void runEnded(event).catch((error: unknown) =>
          logger.error('could not record the end of a run', {
            execution: notice.executionArn,
            error: String(error),
          }),
        );
      }),
    );

    // HTTP: the same handlers as API Gateway's routes.
    const httpHandlers: Partial<Record<HttpFunction, HttpHandler>> = {};
    for (const fn of HTTP_FUNCTIONS) {
      const file = fileURLToPath(new URL(`../functions/${fn}/handler.ts`, import.meta.url));
      if (existsSync(file))
        httpHandlers[fn] = (
          (await import(`../functions/${fn}/handler.ts`)) as { handler: HttpHandler }
        ).handler;
    }
    const dev = createDevRoutes({ deps, inboxUrl: `http://127.0.0.1:${inboxPort}` });
    if (localSlack) dev.add((req, res, u) => localSlack.handleDevRequest(req, res, u));
    if (localGitHub) dev.add((req, res, u) => localGitHub.handleDevRequest(req, res, u));
    // The build workers' counters (running, queued, most at once), for load checks and benchmarks.
    dev.add(async (req, res, u) => {
      if (u.pathname !== '/dev/builds' || req.method !== 'GET') return false;
      send(res, 200, 'application/json', JSON.stringify(buildRunner.stats()));
      return true;
    });
    const gateway = await startGateway({
      port,
      handlers: httpHandlers,
      localRoutes: [dev.handle],
      onError: (error) => logger.error('request failed', { error: String(error) }),
    });
    url = gateway.url;
    stops.push(() => gateway.close());
    if (port === 0) {
      // The public URL must name the real port (links in emails and Slack).
      config.publicUrl = url;
    }
    // Sign-in: once the public URL is known, as it is the identity provider's redirect URI's.
    let devIdp: DevIdp | undefined;
    if (options.idp === 'dev') {
      devIdp = await startDevIdp({
        port: options.idpPort ?? 8006,
        accounts: devAccounts(workspace.directory),
        clientId: DEV_IDP_CLIENT,
        clientSecret: (await secrets.get(OIDC_CLIENT_SECRET)) ?? '',
        redirectUris: [`${config.publicUrl}/signin/oidc/callback`],
        ...(options.inMemory ? {} : { keyFile: join(dataDir, 'dev-idp-jwks.json') }),
      });
      stops.push(() => devIdp?.close());
      config.oidc = {
        issuer: devIdp.issuer,
        clientId: DEV_IDP_CLIENT,
        name: 'the local IdP',
        scopes: 'openid email profile groups',
        groupsClaim: 'groups',
        emailClaim: 'email',
        requireEmailVerified: true,
      };
    } else if (options.idp) {
      config.oidc = options.idp;
    }
    config.emailSignin = options.emailSignin ?? !config.oidc;
    // Where the CLI finds this runtime (and its DynamoDB, for `signoff token create`).
    const runtimeFile = join(dataDir, 'runtime.json');
    writeFileSync(
      runtimeFile,
      `${JSON.stringify(
        {
          url,
          pid: process.pid,
          dynamodb: config.endpoints.dynamodb,
          tables: config.tables,
          default_identity: defaultIdentity(deps.directory),
        },
        null,
        2,
      )}\n`,
      { mode: 0o600 },
    );
    stops.push(() => rmSync(runtimeFile, { force: true }));
    // Executions the last process left running (stopped or killed) go on: a run parked at a gate
    // waits on the same gate, its timer counting from when it was asked. Runs that cannot go on
    // (cut off in a Lambda call, or in a build) are failed, and their gates close here.
    sfn.resume();
    // Stopping drains first, while the handlers still have their deps: a gate being requested is
    // then parked when the process ends, and goes on waiting after the next start.
    stops.push(() => sfn.drain());
    // The sweep, as the schedule invokes resume-gate with `{}` in AWS: every gate that owes
    // something is drained, whatever the stream delivered or discarded, and the pending gates of
    // runs that ended without them are closed, and owed GitHub reports are retried. It runs once at start too: a vote that closed a
    // gate just before the last process died may still owe the engine its call.
    const sweep = () =>
      resumeGate({}).catch((error: unknown) =>
        logger.error('sweep failed', { error: error instanceof Error ? error.name : typeof error }),
      );
    await sweep();
    // The gates that still wait get back the escalations the last process held in its timers.
    await rearmEscalations(deps);
    const sweepEvery = options.sweepIntervalMs ?? GATES_SWEEP_MINUTES * 60_000;
    if (sweepEvery > 0) {
      let sweeping: Promise<unknown> | undefined;
      const timer = setInterval(() => {
        sweeping ??= sweep().finally(() => {
          sweeping = undefined;
        });
      }, sweepEvery);
      timer.unref();
      stops.push(async () => {
        clearInterval(timer);
        await sweeping;
      });
    }
    // The audit checkpoints, as the schedule writes them in AWS (here without a locked archive).
    const checkpointSeconds = options.auditCheckpointSeconds ?? 60;
    if (checkpointSeconds > 0) {
      const checkpoints = setInterval(() => {
        void writeAuditCheckpoint(deps).catch((error: unknown) =>
          logger.error('could not write an audit checkpoint', { error: String(error) }),
        );
      }, checkpointSeconds * 1000);
      checkpoints.unref();
      stops.push(() => clearInterval(checkpoints));
    }
    // The workflows' schedules, as EventBridge Scheduler invokes the webhook function in AWS.
    const schedules = startLocalSchedules({
      workflows: () => deps.workflows.all(),
      start: async (start) => {
        const outcome = await startScheduledRun(deps, start);
        if (outcome.kind === 'refused')
          logger.warn('scheduled run not started', { ...start, why: outcome.message });
      },
      tickMs: options.scheduleTickMs ?? 15_000,
      onError: (workflow, error) =>
        logger.error('scheduled run failed to start', {
          workflow,
          error: error instanceof Error ? error.name : typeof error,
        }),
    });
    stops.push(() => schedules.stop());
    dev.setReady(true);

    return {
      url,
      inboxUrl: `http://127.0.0.1:${inboxPort}`,
      dataDir,
      repository,
      config,
      deps,
      sfn,
      schedules,
      workspace,
      reloadWorkflows: () => reloader.reload(),
      dev,
      ...(localGitHub ? { github: localGitHub } : {}),
      ...(devIdp ? { idp: devIdp } : {}),
      buildStats: () => buildRunner.stats(),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

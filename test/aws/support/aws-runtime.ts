/**
 * signoff as `cdk deploy` would put it into an account, with moto as the account: the
 * synthesized template deployed into moto (aws-world.ts), every function run as its own role
 * (its environment from the template, its calls signed with that role's credentials and checked
 * by moto and the proxy in aws-gate.ts), the template's own state machine definitions executed
 * by the local Step Functions server, and each build run as its CodeBuild project's role.
 * Slack is the local Slack stand-in; notify steps post to the local sink.
 */
import '../../../local/polyfills.ts';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../../../functions/config.ts';
import { logOf } from '../../../functions/core/approval/approval-deps.ts';
import { type AppDeps, createDeps } from '../../../functions/deps.ts';
import type { HttpFunction } from '../../../functions/routes.ts';
import { runWithDeps } from '../../../functions/wiring/scope.ts';
import { FUNCTIONS } from '../../../infra/functions.ts';
import { createLocalBuildRunner } from '../../../local/build-runner.ts';
import { createDevRoutes, type DevRoutes } from '../../../local/dev-routes.ts';
import { type GatesStream, startGatesStream } from '../../../local/gates-stream.ts';
import { type HttpHandler, lambdaContext, startGateway } from '../../../local/gateway.ts';
import { startFakeGitHubApi } from '../../../local/github/fake-github-api.ts';
import { ensureLocalTokens } from '../../../local/local-tokens.ts';
import { runEndedEvent } from '../../../local/run-ended-event.ts';
import { shortenApprovalTimeouts } from '../../../local/runtime.ts';
import { createLocalSlack, type LocalSlack } from '../../../local/slack/local-slack.ts';
import {
  createLocalStepFunctions,
  type LocalStepFunctions,
  type RunBuild,
} from '../../../local/stepfunctions/index.ts';
import { loadWorkspace } from '../../../statemachines/load.ts';
import { projectRoot } from '../../support/examples.ts';
import { createRuntimeClient, type RuntimeClient } from '../../support/runtime.ts';
import { type AwsGate, startAwsGate } from './aws-gate.ts';
import { type AwsWorld, deployTemplate } from './aws-world.ts';
import { MOTO_ACCOUNT, MOTO_REGION, type Moto, startMoto } from './moto.ts';

const HTTP_FUNCTIONS: HttpFunction[] = ['api', 'web', 'slack-interactions', 'github-webhook', 'webhook'];
/** The Slack app's signing secret, as filled into the stack's secret. */
export const SLACK_SIGNING_SECRET = 'aws-suite-slack-signing-secret';
// The functions run outside Lambda here: their CloudWatch metrics (EMF lines) would only be noise.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

/** The running deployment and its API helpers. */
export interface AwsRuntime extends RuntimeClient {
  url: string;
  moto: Moto;
  world: AwsWorld;
  gate: AwsGate;
  slack: LocalSlack;
  sfn: LocalStepFunctions;
  dev: DevRoutes;
  dataDir: string;
  /** The deps a function runs with (its role's credentials); `admin` for the test's own reads. */
  depsOf(functionName: string): AppDeps;
  /** Invokes a function's handler as Lambda would (EventBridge Scheduler's escalations). */
  invoke(functionName: string, event: unknown): Promise<unknown>;
  /** Every invocation so far, oldest first (what Step Functions passed each task). */
  invocations: { functionName: string; event: unknown }[];
  /** Runs whose end EventBridge does not deliver to run-ended (a lost event). */
  lostRunEnds: Set<string>;
  /** Moves the functions' clock (leases, deadlines they compute) by `ms`; 0 puts it back. */
  setClockOffset(ms: number): void;
  /** Resolves once the gates stream has delivered (or dropped) every record it has. */
  streamSettled(): Promise<void>;
  /** Holds the gates stream's deliveries until the returned function is called. */
  holdStream(): () => void;
  stop(): Promise<void>;
}

/** Options: a template other than the synthesized one (to take a grant away), short approval timeouts. */
export interface AwsRuntimeOptions {
  template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
  /** State machine name -> the seconds its approval tasks wait instead of the workflow's timeout. */
  approvalTimeoutSeconds?: Record<string, number>;
}

/** Deploys the template into a fresh moto and starts everything around it. */
export async function startAwsRuntime(options: AwsRuntimeOptions): Promise<AwsRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-aws-'));
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const workspace = loadWorkspace(projectRoot);
    const moto = await startMoto();
    stops.push(() => moto.stop());
    let url = '';
    const slack = await createLocalSlack({
      signingSecret: SLACK_SIGNING_SECRET,
      directory: workspace.directory,
      interactionsUrl: () => `${url}/slack/interactions`,
    });
    stops.push(() => slack.stop());
    // A GitHub App of the test's own, which the fake GitHub API trusts.
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const github = await startFakeGitHubApi({ appId: GITHUB_APP_ID, privateKey });
    stops.push(() => github.close());
    // What a person puts into the secrets the stack creates empty (infra/README.md, step 5).
    const world = await deployTemplate(options.template, moto, {
      'slack-bot-token': slack.botToken,
      'slack-signing-secret': SLACK_SIGNING_SECRET,
      'github-app-id': GITHUB_APP_ID,
      'github-app-private-key': privateKey,
    });

    const logger = new Logger({ serviceName: 'signoff', logLevel: 'SILENT' });
    let clockOffset = 0;
    const now = () => Date.now() + clockOffset;
    let gate: AwsGate | undefined;
    const deps = new Map<string, AppDeps>();
    let stream: GatesStream | undefined;
    const depsOf = (name: string): AppDeps => {
      let d = deps.get(name);
      if (d) return d;
      if (!gate) throw new Error('the AWS gate is not running yet');
      const fn = name === 'admin' ? world.functions.get('signoff-api') : world.functions.get(name);
      if (!fn) throw new Error(`the template has no function ${name}`);
      const endpoint = gate.endpoint;
      const config = loadConfig({
        ...fn.env,
        AWS_REGION: MOTO_REGION,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        SIGNOFF_CONFIG_DIR: projectRoot,
        SIGNOFF_PUBLIC_URL: url,
        SIGNOFF_SLACK_API_URL: slack.apiUrl,
        SIGNOFF_GITHUB_API_URL: github.apiUrl,
        SIGNOFF_DYNAMODB_ENDPOINT: endpoint,
        SIGNOFF_SFN_ENDPOINT: endpoint,
        SIGNOFF_SES_ENDPOINT: endpoint,
        SIGNOFF_S3_ENDPOINT: endpoint,
        SIGNOFF_SCHEDULER_ENDPOINT: endpoint,
        SIGNOFF_SECRETS_ENDPOINT: endpoint,
        // A frozen apply checks again every second here (five minutes at first in AWS).
        SIGNOFF_FREEZE_POLL_SECONDS: '1',
      });
      config.credentials =
        name === 'admin'
          ? moto.admin
          : (world.credentials.get(fn.role) ?? raise(`no credentials for ${fn.role}`));
      // The vote channels answer after the commit in Lambda (their own deps.ts); the gates
      // stream's drainer below does what their votes owe.
      const voteEffects = VOTE_CHANNELS.has(name) ? ('outbox' as const) : undefined;
      d = createDeps(config, {
        logger,
        now,
        github: reportsToGitHub(fn.name),
        ...(voteEffects ? { voteEffects } : {}),
      });
      // Every function's writes to the gates table reach the stream, as in AWS.
      stream?.watch(d.clients.dynamodb);
      deps.set(name, d);
      return d;
    };
    stops.push(() => {
      for (const d of deps.values()) d.stop();
    });
    type Handler = (event: unknown, context: Context) => Promise<unknown>;
    const handlers = new Map<string, Handler>();
    const invocations: AwsRuntime['invocations'] = [];
    const lostRunEnds = new Set<string>();
    const invoke = async (functionName: string, event: unknown) => {
      invocations.push({ functionName, event });
      const folder = functionName.replace(/^signoff-/, '');
      let handler = handlers.get(folder);
      if (!handler) {
        handler = ((await import(`../../../functions/${folder}/handler.ts`)) as { handler: Handler }).handler;
        handlers.set(folder, handler);
      }
      const run = handler;
      return runWithDeps(depsOf(functionName), () => run(event, lambdaContext(functionName, 300_000)));
    };

    const runners = new Map<string, RunBuild>();
    const runBuild: RunBuild = async (request) => {
      const project = world.projects.get(request.projectName);
      if (!project) throw new Error(`the template has no CodeBuild project ${request.projectName}`);
      let runner = runners.get(project.name);
      if (!runner) {
        const creds = world.credentials.get(project.role) ?? raise(`no credentials for ${project.role}`);
        runner = createLocalBuildRunner({
          root: projectRoot,
          logDir: join(dataDir, 'builds'),
          projectEnv: {
            ...project.env,
            AWS_REGION: MOTO_REGION,
            AWS_ACCESS_KEY_ID: creds.accessKeyId,
            AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
            SIGNOFF_S3_ENDPOINT: gate?.endpoint ?? '',
            LOCAL_FILES_STATE_DIR: join(dataDir, 'example-state'),
            LOCAL_FILES_ROOT: join(dataDir, 'example-files'),
          },
        });
        runners.set(project.name, runner);
      }
      return runner(request);
    };
    const sfn = createLocalStepFunctions({
      dataDir: join(dataDir, 'stepfunctions'),
      region: MOTO_REGION,
      accountId: MOTO_ACCOUNT,
      invokeLambda: async (arn, payload) => {
        const fn = [...world.functions.values()].find((f) => f.arn === arn);
        if (!fn) throw new Error(`the template has no function ${arn}`);
        return invoke(fn.name, payload);
      },
      runBuild,
    });
    const { endpoint: sfnEndpoint } = await sfn.start(0);
    stops.push(() => sfn.stop());
    gate = await startAwsGate({ world, motoEndpoint: moto.endpoint, sfnEndpoint });
    stops.push(() => gate?.stop());

    for (const machine of world.stateMachines.values()) {
      const definition = structuredClone(machine.definition) as {
        States: Record<string, Record<string, unknown>>;
      };
      const timeout = options.approvalTimeoutSeconds?.[machine.name];
      if (timeout) shortenApprovalTimeouts(definition, timeout);
      await sfn.createStateMachine(machine.name, definition);
    }
    stops.push(
      sfn.onEvent((notice) => {
        const event = runEndedEvent(notice, { account: MOTO_ACCOUNT, region: MOTO_REGION });
        if (!event || lostRunEnds.has(notice.executionArn.split(':').pop() ?? '')) return;
        void invoke('signoff-run-ended', event).catch(() => undefined);
      }),
    );

    const httpHandlers: Partial<Record<HttpFunction, HttpHandler>> = {};
    for (const fn of HTTP_FUNCTIONS) {
      httpHandlers[fn] = (event) => invoke(`signoff-${fn}`, event) as ReturnType<HttpHandler>;
    }
    let dev: DevRoutes | undefined;
    const gateway = await startGateway({
      port: 0,
      handlers: httpHandlers,
      localRoutes: [
        (req, res, u) => dev?.handle(req, res, u) ?? false,
        (req, res, u) => slack.handleDevRequest(req, res, u),
      ],
    });
    url = gateway.url;
    stops.push(() => gateway.close());
    const admin = depsOf('admin');
    // The gates stream hands resume-gate what AWS would (local/gates-stream.ts); the writes made
    // before it existed (none yet owe anything) are not in it, as a stream starts at LATEST.
    stream = startGatesStream({
      table: admin.config.tables.gates,
      doc: admin.clients.doc,
      deliver: (event) => invoke('signoff-resume-gate', event),
      log: logOf(admin),
    });
    for (const d of deps.values()) stream.watch(d.clients.dynamodb);
    stops.push(() => stream?.stop() ?? Promise.resolve());
    dev = createDevRoutes({ deps: admin, inboxUrl: url });
    dev.setReady(true);
    // The notify step's webhook secret, as a person would fill it in: the local sink.
    await fillSecret(world, admin, 'deployments-slack-webhook', `${url}/dev/notifications`);
    const tokens = await ensureLocalTokens(admin, join(dataDir, 'tokens.json'));
    writeFileSync(join(dataDir, 'tokens.json'), JSON.stringify(tokens));
    const client = createRuntimeClient(url, tokens, (runId) => admin.auditQuery.readRun(runId));
    return {
      ...client,
      url,
      moto,
      world,
      gate,
      slack,
      sfn,
      dev,
      dataDir,
      depsOf,
      invoke,
      invocations,
      lostRunEnds,
      streamSettled: () => stream?.settled() ?? Promise.resolve(),
      holdStream: () => stream?.hold() ?? (() => {}),
      setClockOffset: (ms) => {
        clockOffset = ms;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function fillSecret(world: AwsWorld, admin: AppDeps, suffix: string, value: string): Promise<void> {
  const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  for (const [name, arn] of world.secrets) {
    if (name.endsWith(suffix))
      await admin.clients.secrets.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));
  }
}

function raise(message: string): never {
  throw new Error(message);
}

/** The app id of the test's GitHub App. */
const GITHUB_APP_ID = '9';

/** True for the functions that report runs to GitHub: those granted the GitHub App's secrets. */
function reportsToGitHub(functionName: string): boolean {
  const spec = FUNCTIONS.find((f) => `signoff-${f.name}` === functionName);
  return spec?.needs.secrets.includes('github-app-id') ?? false;
}

/** The functions whose votes leave their effects to the drainer in Lambda. */
const VOTE_CHANNELS = new Set(['signoff-slack-interactions', 'signoff-web', 'signoff-api']);

/**
 * The only reader of process.env: everything the handlers need, typed, read once at cold start.
 * A missing required setting throws one error that names every missing variable.
 */
import { availableParallelism } from 'node:os';
import type { TableNames } from './adapters/tables.ts';

/** Where escalations are scheduled: EventBridge Scheduler in AWS, timers in one local process. */
export type SchedulerConfig =
  | { kind: 'eventbridge'; targetArn: string; roleArn: string; groupName: string }
  | { kind: 'timer' };

/** Endpoint overrides per AWS service (emulators locally and in tests); unset means the real AWS endpoint. */
export interface Endpoints {
  dynamodb?: string;
  sfn?: string;
  scheduler?: string;
  ses?: string;
  s3?: string;
  secretsManager?: string;
  logs?: string;
}

/** The identity provider's settings; the client secret is the `oidc-client-secret` secret. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Shown on the sign-in button. */
  name: string;
  scopes: string;
  groupsClaim: string;
  emailClaim: string;
  requireEmailVerified: boolean;
}

/** signoff's runtime configuration. */
export interface Config {
  region: string;
  tables: TableNames;
  endpoints: Endpoints;
  /** Use fixed dummy credentials (emulators accept anything), instead of the default provider chain. */
  localCredentials: boolean;
  /** Explicit credentials, never read from the environment: the AWS contract tests sign each function's calls as that function. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Where `workflows/` and `config/` are (the repository locally; the bundle in Lambda). */
  configDir: string;
  directoryFile: string;
  /** The shortest pause between two freeze checks of an apply a freeze holds (SIGNOFF_FREEZE_POLL_SECONDS, default 300). */
  freezePollSeconds: number;
  scheduler: SchedulerConfig;
  serviceName: string;
  /** A workflow's state machine ARN is this prefix plus the workflow name. */
  stateMachineArnPrefix: string;
  /** The base URL people open (approval links, run links), without a trailing slash. */
  publicUrl: string;
  artifacts: ArtifactsConfig;
  secrets: SecretsConfig;
  /** The verified SES sender address for approval emails. */
  emailFrom: string;
  /** True in the local runtime: cookies without Secure, local-only routes on. */
  local: boolean;
  /** The Slack Web API base URL, ending in `/` (the local Slack stand-in); unset means Slack's own. */
  slackApiUrl?: string;
  /** The GitHub REST API base URL (the local fake GitHub API); unset means https://api.github.com. */
  githubApiUrl?: string;
  /** Where approval requests go when a gate names no Slack channel. */
  slackDefaultChannel?: string;
  /** What runs build: a repository's commits, or the deploy-time snapshot when none is set. */
  source: SourceConfig;
  /** The Object Lock bucket that keeps a locked copy of every audit checkpoint (AWS); unset locally. */
  auditArchiveBucket?: string;
  /** Sign-in through the company's identity provider, when SIGNOFF_OIDC_ISSUER is set. */
  oidc?: OidcConfig;
  /** Whether people may ask for an emailed sign-in link (SIGNOFF_EMAIL_SIGNIN; default: only without `oidc`). */
  emailSignin: boolean;
  /** Where the run pages read build logs from. */
  buildLogs: BuildLogsConfig;
}

/**
 * Build logs: CloudWatch Logs (CodeBuild project name -> its log group, SIGNOFF_BUILD_LOG_GROUPS
 * as JSON), or the local build runner's folder (SIGNOFF_BUILD_LOG_DIR).
 */
export type BuildLogsConfig =
  | { kind: 'cloudwatch'; groups: Record<string, string> }
  | { kind: 'files'; dir: string };

/** The repository builds check out (`owner/name` on GitHub, or a CodeCommit name), or none. */
export type SourceConfig =
  | { kind: 'repository'; repository: string; defaultBranch: string }
  | { kind: 'snapshot' };

/** Where plans and logs are kept: an S3 bucket, or a folder (local runtime). */
export type ArtifactsConfig = { kind: 's3'; bucket: string } | { kind: 'fs'; dir: string };

/** Where secrets come from: Secrets Manager (names under a prefix), or a local JSON file. */
export type SecretsConfig = { kind: 'aws'; prefix: string } | { kind: 'file'; path: string };

type Env = Record<string, string | undefined>;

/** Reads the configuration from the environment (or the given map); throws listing every missing variable. */
export function loadConfig(env: Env = process.env): Config {
  const missing: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) missing.push(name);
    return value ?? '';
  };
  const optional = (name: string): string | undefined => env[name]?.trim() || undefined;

  const tables: TableNames = {
    gates: required('SIGNOFF_GATES_TABLE'),
    audit: required('SIGNOFF_AUDIT_TABLE'),
    runs: required('SIGNOFF_RUNS_TABLE'),
    auth: required('SIGNOFF_AUTH_TABLE'),
  };
  const bucket = optional('SIGNOFF_ARTIFACTS_BUCKET');
  const artifacts: ArtifactsConfig = bucket
    ? { kind: 's3', bucket }
    : { kind: 'fs', dir: optional('SIGNOFF_ARTIFACTS_DIR') ?? '.signoff/artifacts' };
  const secretsFile = optional('SIGNOFF_SECRETS_FILE');
  const secrets: SecretsConfig = secretsFile
    ? { kind: 'file', path: secretsFile }
    : { kind: 'aws', prefix: optional('SIGNOFF_SECRETS_PREFIX') ?? 'signoff/' };
  const configDir = optional('SIGNOFF_CONFIG_DIR') ?? '.';
  const endpoints: Endpoints = stripUndefined({
    dynamodb: optional('SIGNOFF_DYNAMODB_ENDPOINT'),
    sfn: optional('SIGNOFF_SFN_ENDPOINT'),
    scheduler: optional('SIGNOFF_SCHEDULER_ENDPOINT'),
    ses: optional('SIGNOFF_SES_ENDPOINT'),
    s3: optional('SIGNOFF_S3_ENDPOINT'),
    secretsManager: optional('SIGNOFF_SECRETS_ENDPOINT'),
    logs: optional('SIGNOFF_LOGS_ENDPOINT'),
  });
  const buildLogs = readBuildLogs(optional('SIGNOFF_BUILD_LOG_GROUPS'), optional('SIGNOFF_BUILD_LOG_DIR'));
  const repository = optional('SIGNOFF_SOURCE_REPOSITORY');
  const source: SourceConfig = repository
    ? { kind: 'repository', repository, defaultBranch: optional('SIGNOFF_SOURCE_BRANCH') ?? 'main' }
    : { kind: 'snapshot' };
  const schedulerKind =
    optional('SIGNOFF_SCHEDULER') ?? (optional('AWS_LAMBDA_FUNCTION_NAME') ? 'eventbridge' : 'timer');
  let scheduler: SchedulerConfig = { kind: 'timer' };
  if (schedulerKind === 'eventbridge') {
    scheduler = {
      kind: 'eventbridge',
      targetArn: required('SIGNOFF_ESCALATE_FUNCTION_ARN'),
      roleArn: required('SIGNOFF_SCHEDULER_ROLE_ARN'),
      groupName: optional('SIGNOFF_SCHEDULE_GROUP') ?? 'default',
    };
  } else if (schedulerKind !== 'timer') {
    throw new Error(`SIGNOFF_SCHEDULER must be eventbridge or timer, not "${schedulerKind}"`);
  }
  const freezePoll = optional('SIGNOFF_FREEZE_POLL_SECONDS') ?? '300';
  if (!/^[1-9][0-9]{0,4}$/.test(freezePoll))
    throw new Error(
      `SIGNOFF_FREEZE_POLL_SECONDS must be a whole number of seconds (1-99999), not "${freezePoll}"`,
    );
  const oidc = readOidc(optional);
  const emailSignin = readFlag('SIGNOFF_EMAIL_SIGNIN', optional('SIGNOFF_EMAIL_SIGNIN'), !oidc);
  if (missing.length > 0) {
    throw new Error(
      `signoff configuration is incomplete; set these environment variables: ${missing.join(', ')}`,
    );
  }
  return {
    region: optional('AWS_REGION') ?? optional('AWS_DEFAULT_REGION') ?? 'us-east-1',
    tables,
    endpoints,
    localCredentials:
      optional('SIGNOFF_LOCAL') === '1' ||
      (Object.keys(endpoints).length > 0 && !optional('AWS_ACCESS_KEY_ID')),
    configDir,
    directoryFile: optional('SIGNOFF_DIRECTORY_FILE') ?? `${configDir}/config/directory.yaml`,
    freezePollSeconds: Number(freezePoll),
    scheduler,
    serviceName: optional('POWERTOOLS_SERVICE_NAME') ?? 'signoff',
    stateMachineArnPrefix:
      optional('SIGNOFF_STATE_MACHINE_ARN_PREFIX') ??
      'arn:aws:states:us-east-1:000000000000:stateMachine:signoff-',
    publicUrl: (optional('SIGNOFF_PUBLIC_URL') ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    artifacts,
    secrets,
    emailFrom: optional('SIGNOFF_EMAIL_FROM') ?? 'signoff@example.com',
    local: optional('SIGNOFF_LOCAL') === '1',
    source,
    buildLogs,
    emailSignin,
    ...(oidc ? { oidc } : {}),
    ...stripUndefined({
      slackApiUrl: optional('SIGNOFF_SLACK_API_URL'),
      githubApiUrl: optional('SIGNOFF_GITHUB_API_URL'),
      slackDefaultChannel: optional('SIGNOFF_SLACK_DEFAULT_CHANNEL'),
      auditArchiveBucket: optional('SIGNOFF_AUDIT_ARCHIVE_BUCKET'),
    }),
  };
}

function readBuildLogs(groups: string | undefined, dir: string | undefined): BuildLogsConfig {
  if (!groups) return { kind: 'files', dir: dir ?? '.signoff/builds' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(groups);
  } catch {
    parsed = undefined;
  }
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((v) => typeof v === 'string' && v !== '');
  if (!valid) {
    throw new Error(
      'SIGNOFF_BUILD_LOG_GROUPS must be a JSON object of CodeBuild project name -> log group name',
    );
  }
  return { kind: 'cloudwatch', groups: parsed as Record<string, string> };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Settings of the local runtime only (`npm start`), never of a Lambda. */
export interface LocalRuntimeConfig {
  /** How many builds run at once; the others wait in the build runner's queue. */
  buildWorkers: number;
}

/**
 * Reads the local runtime's settings: SIGNOFF_BUILD_WORKERS (a positive integer; default, the
 * number of CPUs, at least 1). Throws on a value that is not a positive integer.
 */
export function loadLocalRuntimeConfig(
  env: Env = process.env,
  cpus = availableParallelism(),
): LocalRuntimeConfig {
  const raw = env.SIGNOFF_BUILD_WORKERS?.trim();
  if (!raw) return { buildWorkers: Math.max(1, cpus) };
  const workers = Number(raw);
  if (!Number.isInteger(workers) || workers < 1) {
    throw new Error(`SIGNOFF_BUILD_WORKERS must be a positive integer, not "${raw}"`);
  }
  return { buildWorkers: workers };
}

/** A yes/no setting: `true`/`false` (or 1/0); anything else is an error that names the variable. */
function readFlag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`${name} must be true or false, not "${value}"`);
}

/** The SIGNOFF_OIDC_* settings, or undefined when no issuer is set; throws naming a bad one. */
export function readOidc(optional: (name: string) => string | undefined): OidcConfig | undefined {
  const issuer = optional('SIGNOFF_OIDC_ISSUER');
  if (!issuer) return undefined;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`SIGNOFF_OIDC_ISSUER must be a URL such as https://acme.okta.com, not "${issuer}"`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new Error(
      `SIGNOFF_OIDC_ISSUER must be an https URL (plain http only on this machine), not "${issuer}"`,
    );
  const clientId = optional('SIGNOFF_OIDC_CLIENT_ID');
  if (!clientId) throw new Error('SIGNOFF_OIDC_CLIENT_ID must be set when SIGNOFF_OIDC_ISSUER is');
  return {
    // Kept exactly as given: the discovery document's `issuer` must equal it, trailing slash and all.
    issuer,
    clientId,
    name: optional('SIGNOFF_OIDC_NAME') ?? url.hostname,
    scopes: optional('SIGNOFF_OIDC_SCOPES') ?? 'openid email profile groups',
    groupsClaim: optional('SIGNOFF_OIDC_GROUPS_CLAIM') ?? 'groups',
    emailClaim: optional('SIGNOFF_OIDC_EMAIL_CLAIM') ?? 'email',
    requireEmailVerified: readFlag(
      'SIGNOFF_OIDC_REQUIRE_EMAIL_VERIFIED',
      optional('SIGNOFF_OIDC_REQUIRE_EMAIL_VERIFIED'),
      true,
    ),
  };
}

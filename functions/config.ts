/**
 * The only reader of process.env: everything the handlers need, typed, read once at cold start.
 * A missing required setting throws one error that names every missing variable.
 */
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
}

/** signoff's runtime configuration. */
export interface Config {
  region: string;
  tables: TableNames;
  endpoints: Endpoints;
  /** Use fixed dummy credentials (emulators accept anything), instead of the default provider chain. */
  localCredentials: boolean;
  directoryFile: string;
  scheduler: SchedulerConfig;
  serviceName: string;
}

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
  };
  const endpoints: Endpoints = stripUndefined({
    dynamodb: optional('SIGNOFF_DYNAMODB_ENDPOINT'),
    sfn: optional('SIGNOFF_SFN_ENDPOINT'),
    scheduler: optional('SIGNOFF_SCHEDULER_ENDPOINT'),
    ses: optional('SIGNOFF_SES_ENDPOINT'),
    s3: optional('SIGNOFF_S3_ENDPOINT'),
    secretsManager: optional('SIGNOFF_SECRETS_ENDPOINT'),
  });
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
    directoryFile: optional('SIGNOFF_DIRECTORY_FILE') ?? 'config/directory.yaml',
    scheduler,
    serviceName: optional('POWERTOOLS_SERVICE_NAME') ?? 'signoff',
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

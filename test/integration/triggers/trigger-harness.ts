/**
 * The triggers' test harness: the runs and audit tables on dynalite, a recording run engine,
 * in-memory secrets, a log that keeps every line, and API Gateway events for the handlers.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoDbAuditLog } from '../../../functions/adapters/dynamodb-audit-log.ts';
import { DynamoDbRunStore } from '../../../functions/adapters/dynamodb-run-store.ts';
import { RecordingRunEngine } from '../../../functions/adapters/recording-run-engine.ts';
import type { LogPort } from '../../../functions/core/ports.ts';
import { remoteRepositorySource } from '../../../functions/core/runs/source.ts';
import { createWorkflowCatalog } from '../../../functions/core/runs/workflow-catalog.ts';
import type { TriggerDeps } from '../../../functions/core/triggers/trigger-deps.ts';
import { type Directory, type Workflow, workflowSchema } from '../../../statemachines/schema.ts';
import type { Dynalite } from '../../support/dynalite.ts';

export const T0 = Date.parse('2026-11-25T10:00:00Z');
export const PUBLIC_URL = 'https://signoff.example.com';
export const ARN_PREFIX = 'arn:aws:states:us-east-1:000000000000:stateMachine:signoff-';
export const GITHUB_SECRET = 'github-test-secret-value';

const steps = [{ id: 'plan', type: 'iac', project: 'site', action: 'plan' }];
const gate = { id: 'approve', type: 'approval', approvers: ['team:leads'] };

/** Workflows covering every trigger case. */
export const WORKFLOWS: Workflow[] = [
  {
    name: 'hello-deploy',
    environment: 'production',
    triggers: { github: { repository: 'codertocat/hello-world', branch: 'master' } },
    steps: [...steps, gate],
  },
  {
    name: 'hello-audit',
    environment: 'staging',
    triggers: { github: { repository: 'Codertocat/Hello-World', branch: 'master' } },
    steps,
  },
  {
    name: 'hello-pr-plan',
    environment: 'production',
    triggers: { github: { repository: 'Codertocat/Hello-World', branch: 'master', on: 'pull_request' } },
    steps: [...steps, gate],
  },
  {
    name: 'hello-hotfix',
    environment: 'production',
    triggers: { github: { repository: 'Codertocat/Hello-World', branch: 'hotfix' } },
    steps,
  },
  { name: 'hook-deploy', environment: 'staging', triggers: { webhook: null }, steps },
  { name: 'hook-custom', environment: 'staging', triggers: { webhook: { secret: 'custom-hook' } }, steps },
  { name: 'hook-emergency', environment: 'production', triggers: { webhook: null }, steps },
  { name: 'manual-only', environment: 'staging', triggers: { manual: null }, steps },
  {
    name: 'nightly-plan',
    environment: 'production',
    triggers: { schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' } },
    steps,
  },
].map((w) => workflowSchema.parse(w));

/** The secrets the harness knows. */
export const SECRETS: Record<string, string> = {
  'github-webhook-secret': GITHUB_SECRET,
  'webhook-hook-deploy': 'hook-deploy-secret',
  'custom-hook': 'custom-hook-secret',
  'webhook-hook-emergency': 'emergency-secret',
  'webhook-manual-only': 'manual-only-secret',
};

export const DIRECTORY: Directory = {
  users: [{ email: 'coder@acme.com', name: 'Coder Cat', role: 'developer', github: 'Codertocat' }],
  teams: { leads: ['coder@acme.com'] },
};

/** Deps on dynalite, with the engine, runs, audit and the log lines kept for assertions. */
export function createTriggerDeps(db: Dynalite, secrets: Record<string, string> = SECRETS) {
  const engine = new RecordingRunEngine(() => T0);
  const runs = new DynamoDbRunStore(db.docClient, db.tableNames.runs);
  const audit = new DynamoDbAuditLog(db.docClient, db.tableNames.audit);
  const logs: string[] = [];
  const record =
    (level: string): LogPort['info'] =>
    (message, extra) =>
      logs.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`);
  const log: LogPort = { info: record('info'), warn: record('warn'), error: record('error') };
  const deps: TriggerDeps = {
    runs,
    runEngine: engine,
    audit,
    workflows: createWorkflowCatalog(WORKFLOWS, ARN_PREFIX),
    directory: DIRECTORY,
    source: remoteRepositorySource({ repository: 'acme/infra', defaultBranch: 'main' }),
    now: () => T0,
    secrets: { get: async (name) => secrets[name] },
    log,
    config: { publicUrl: PUBLIC_URL },
  };
  return { deps, engine, runs, audit, logs };
}

/** An API Gateway payload v2 event as the HTTP API sends it (header names lower-cased). */
export function httpEvent(options: {
  path: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  base64?: boolean;
  pathParameters?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  const bytes = Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  return {
    version: '2.0',
    routeKey: `POST ${options.path}`,
    rawPath: options.path,
    rawQueryString: '',
    headers,
    pathParameters: options.pathParameters,
    body: options.base64 ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'signoff.example.com',
      domainPrefix: 'signoff',
      http: {
        method: 'POST',
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: `POST ${options.path}`,
      stage: '$default',
      time: new Date(T0).toUTCString(),
      timeEpoch: T0,
    },
  };
}

/** A handler result's status and parsed JSON body. */
export function parseResult(result: unknown): { status: number; body: any; headers: Record<string, string> } {
  const r = result as { statusCode: number; body?: string; headers?: Record<string, string> };
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined, headers: r.headers ?? {} };
}

/**
 * The signin function, deployed with `signoff:oidc` into moto, signs a person in through the
 * local identity provider holding exactly its role's grants: the single-use state put and taken
 * (PutItem if absent, DeleteItem returning it), the identity record put and read back, the
 * session, the audit event, the client secret. Nothing it does is refused, every grant it holds
 * is used, and what it was not granted (an update of a gate, of its own table, another secret)
 * is refused as AWS would refuse it.
 */
import { dirname } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/config.ts';
import { handleSigninRequest } from '../../functions/signin/handler.ts';
import { createSigninDeps, type SigninDeps } from '../../functions/wiring/http.ts';
import { createLogging } from '../../functions/wiring/logging.ts';
import { writeDeployedConfig } from '../../infra/constructs/bundling.ts';
import { startGateway } from '../../local/gateway.ts';
import { type DevIdp, startDevIdp } from '../../local/idp/dev-idp.ts';
import { loadWorkspace } from '../../statemachines/load.ts';
import { synthSignoff } from '../infra/synth.ts';
import { CookieBrowser, type Landing } from '../support/cookie-browser.ts';
import { projectRoot } from '../support/examples.ts';
import { type AwsGate, startAwsGate } from './support/aws-gate.ts';
import { type AwsWorld, deployTemplate } from './support/aws-world.ts';
import { type IamRequest, type IamStatement, isAllowed } from './support/iam-policy.ts';
import { MOTO_REGION, type Moto, motoMissing, startMoto } from './support/moto.ts';

const missing = motoMissing();
if (missing && process.env.CI) throw new Error(`the AWS contract suite must run in CI: ${missing}`);
if (missing) console.warn(`skipping the signin contract test: ${missing}`);

const CLIENT_ID = 'signoff-contract-test';
const CLIENT_SECRET = 'contract-test-client-secret';
/** Someone the directory file does not list: the role comes from the IdP group alone. */
const IDA = { email: 'ida@acme.com', name: 'Ida Idp', groups: ['okta-engineering'] };

let moto: Moto;
let world: AwsWorld;
let gate: AwsGate;
let idp: DevIdp;
let url = '';
let signinRole = '';
let deps: SigninDeps;
const stops: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (missing) return;
  const { template } = synthSignoff({
    bundle: false,
    context: { 'signoff:oidc': { issuer: 'https://idp.acme.com', clientId: CLIENT_ID, name: 'Acme' } },
  });
  moto = await startMoto();
  stops.push(() => moto.stop());
  world = await deployTemplate(template.toJSON() as never, moto, { 'oidc-client-secret': CLIENT_SECRET });
  gate = await startAwsGate({ world, motoEndpoint: moto.endpoint, sfnEndpoint: moto.endpoint });
  stops.push(() => gate.stop());
  const gateway = await startGateway({
    port: 0,
    handlers: { signin: (event) => handleSigninRequest(deps, event) },
  });
  stops.push(() => gateway.close());
  url = gateway.url;
  idp = await startDevIdp({
    port: 0,
    accounts: [IDA],
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUris: [`${url}/signin/oidc/callback`],
  });
  stops.push(() => idp.close());
  // The example directory, taking the developer role from an IdP group (the file the bundle carries).
  const workspace = loadWorkspace(projectRoot);
  const directory = {
    ...workspace.directory,
    idp: { teams: {}, roles: { developer: ['okta-engineering'] }, max_age_seconds: 604_800 },
  };
  const configFile = writeDeployedConfig({ ...workspace, directory });
  const fn = world.functions.get('signoff-signin');
  if (!fn) throw new Error('the template has no signin function');
  signinRole = fn.role;
  const config = loadConfig({
    ...fn.env,
    AWS_REGION: MOTO_REGION,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    SIGNOFF_CONFIG_DIR: dirname(configFile),
    SIGNOFF_PUBLIC_URL: url,
    // The local identity provider stands in for the one the settings name (plain http on loopback).
    SIGNOFF_OIDC_ISSUER: idp.issuer,
    SIGNOFF_DYNAMODB_ENDPOINT: gate.endpoint,
    SIGNOFF_SECRETS_ENDPOINT: gate.endpoint,
  });
  const credentials = world.credentials.get(signinRole);
  if (!credentials) throw new Error(`no credentials for ${signinRole}`);
  config.credentials = credentials;
  // The real wiring, its log lines silenced as in the other contract tests.
  const silent = new Logger({ serviceName: 'signoff', logLevel: 'SILENT' });
  deps = { ...createSigninDeps(config), ...createLogging(config, silent) };
}, 180_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** A client signed as the signin function's role, through the gate. */
function asSignin() {
  const base = {
    region: MOTO_REGION,
    endpoint: gate.endpoint,
    credentials: world.credentials.get(signinRole),
  };
  return {
    doc: DynamoDBDocumentClient.from(new DynamoDBClient(base)),
    secrets: new SecretsManagerClient(base),
  };
}

function admin() {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: MOTO_REGION, endpoint: moto.endpoint, credentials: moto.admin }),
  );
}

function pageOf(landing: Landing): { page: string; status: number; url: URL } {
  if (!('page' in landing)) throw new Error(`stopped at ${landing.callback}`);
  return landing;
}

describe.skipIf(Boolean(missing))('the signin function in moto, with its template grants', () => {
  it('signs a person in through the identity provider and records their groups, the session and the audit event', {
    timeout: 60_000,
  }, async () => {
    const browser = new CookieBrowser(`${url}/runs`);
    const login = pageOf(await browser.go(`${url}/signin/oidc?next=/runs`));
    const action = /<form method="post" action="([^"]+)"/.exec(login.page)?.[1];
    if (!action) throw new Error(`no login form at ${login.url} (${login.status}):\n${login.page}`);
    const landed = await browser.post(new URL(action, login.url), { account: IDA.email });
    expect(landed).toEqual({ callback: new URL(`${url}/runs`) });
    expect(browser.cookies.has('__Host-signoff_session')).toBe(true);
    expect(browser.cookies.has('__Host-signoff_oidc')).toBe(false);

    const tables = world.functions.get('signoff-signin')?.env as Record<string, string>;
    const { Item: identity } = await admin().send(
      new GetCommand({ TableName: tables.SIGNOFF_AUTH_TABLE, Key: { key: `identity#${IDA.email}` } }),
    );
    expect(identity).toMatchObject({ kind: 'identity', person: IDA.email, groups: IDA.groups });
    const { Items: trail = [] } = await admin().send(
      new QueryCommand({
        TableName: tables.SIGNOFF_AUDIT_TABLE,
        KeyConditionExpression: 'run_id = :trail',
        ExpressionAttributeValues: { ':trail': `signin-${new Date().toISOString().slice(0, 10)}` },
      }),
    );
    expect(trail.map((e) => [e.action, e.actor?.email])).toContainEqual(['signed_in', IDA.email]);
  });

  it('used each of its kinds of access: the state put if absent and taken, the identity read back, the secret', () => {
    const mine = gate.granted.filter((call) => call.role === signinRole);
    const actions = new Set(mine.map((call) => call.action));
    for (const action of [
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'secretsmanager:GetSecretValue',
    ]) {
      expect(actions, action).toContain(action);
    }
    expect(gate.denials).toEqual([]);
  });

  it('holds no grant the sign-in did not need', () => {
    const statements = world.statements.get(signinRole) ?? [];
    const allows = (set: IamStatement[], call: (typeof gate.granted)[number]) =>
      call.anyOf.some((resource) =>
        isAllowed(set, { action: call.action, resource, context: call.context } as IamRequest),
      );
    const calls = gate.granted.filter((call) => call.role === signinRole);
    // Its log group's writes are Lambda's, not the code's.
    const unneeded = statements
      .filter((s) => ![s.Action].flat().every((a) => /^(logs|xray):/.test(a)))
      .filter((s) => {
        const without = statements.filter((other) => other !== s);
        return !calls.some((call) => allows(statements, call) && !allows(without, call));
      })
      .map((s) => `${[s.Action].flat().join(',')} on ${[s.Resource].flat().join(',')}`);
    expect(unneeded).toEqual([]);
  });

  it('is refused an update of a gate, an update of its own table, and any other secret', async () => {
    const { doc, secrets } = asSignin();
    const env = world.functions.get('signoff-signin')?.env as Record<string, string>;
    const before = gate.denials.length;
    await expect(
      doc.send(
        new UpdateCommand({
          TableName: env.SIGNOFF_GATES_TABLE,
          Key: { gate_id: 'g-1', sk: 'gate' },
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'approved' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(
      doc.send(
        new UpdateCommand({
          TableName: env.SIGNOFF_AUTH_TABLE,
          Key: { key: `identity#${IDA.email}` },
          UpdateExpression: 'SET revoked_at = :at',
          ExpressionAttributeValues: { ':at': new Date().toISOString() },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const slackBotToken = [...world.secrets].find(([name]) => name.endsWith('/slack-bot-token'))?.[1];
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: slackBotToken }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(gate.denials.slice(before).map((d) => d.action)).toEqual([
      'dynamodb:UpdateItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ]);
  });
});

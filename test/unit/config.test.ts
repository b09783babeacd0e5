import { describe, expect, it } from 'vitest';
import { loadConfig, loadLocalRuntimeConfig } from '../../functions/config.ts';

const base = {
  SIGNOFF_GATES_TABLE: 'gates',
  SIGNOFF_AUDIT_TABLE: 'audit',
  SIGNOFF_RUNS_TABLE: 'runs',
  SIGNOFF_AUTH_TABLE: 'auth',
};

describe('loadConfig', () => {
  it('reads table names and endpoints, with defaults for the rest', () => {
    const config = loadConfig({ ...base, SIGNOFF_DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567' });
    expect(config).toEqual({
      region: 'us-east-1',
      tables: { gates: 'gates', audit: 'audit', runs: 'runs', auth: 'auth' },
      endpoints: { dynamodb: 'http://127.0.0.1:4567' },
      localCredentials: true,
      configDir: '.',
      directoryFile: './config/directory.yaml',
      freezePollSeconds: 300,
      scheduler: { kind: 'timer' },
      serviceName: 'signoff',
      stateMachineArnPrefix: 'arn:aws:states:us-east-1:000000000000:stateMachine:signoff-',
      publicUrl: 'http://127.0.0.1:3000',
      artifacts: { kind: 'fs', dir: '.signoff/artifacts' },
      secrets: { kind: 'aws', prefix: 'signoff/' },
      emailFrom: 'signoff@example.com',
      emailSignin: true,
      local: false,
      source: { kind: 'snapshot' },
      buildLogs: { kind: 'files', dir: '.signoff/builds' },
    });
  });

  it('reads build logs from CloudWatch Logs when the build log groups are named, and refuses a malformed map', () => {
    const groups = { 'signoff-site-plan': '/aws/codebuild/x', 'signoff-site-apply': 'Logs-1' };
    expect(loadConfig({ ...base, SIGNOFF_BUILD_LOG_GROUPS: JSON.stringify(groups) }).buildLogs).toEqual({
      kind: 'cloudwatch',
      groups,
    });
    expect(loadConfig({ ...base, SIGNOFF_BUILD_LOG_DIR: '/tmp/b' }).buildLogs).toEqual({
      kind: 'files',
      dir: '/tmp/b',
    });
    for (const bad of ['[]', '{"a":1}', 'not json', '{"a":""}']) {
      expect(() => loadConfig({ ...base, SIGNOFF_BUILD_LOG_GROUPS: bad })).toThrow(
        'SIGNOFF_BUILD_LOG_GROUPS must be',
      );
    }
  });

  it('names every missing variable in one error', () => {
    expect(() => loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'fn' })).toThrow(
      'set these environment variables: SIGNOFF_GATES_TABLE, SIGNOFF_AUDIT_TABLE, SIGNOFF_RUNS_TABLE, SIGNOFF_AUTH_TABLE, SIGNOFF_ESCALATE_FUNCTION_ARN, SIGNOFF_SCHEDULER_ROLE_ARN',
    );
  });

  it('uses EventBridge Scheduler inside Lambda and the real AWS credentials chain', () => {
    const config = loadConfig({
      ...base,
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      AWS_REGION: 'eu-west-1',
      SIGNOFF_ESCALATE_FUNCTION_ARN: 'arn:fn',
      SIGNOFF_SCHEDULER_ROLE_ARN: 'arn:role',
    });
    expect(config.scheduler).toEqual({
      kind: 'eventbridge',
      targetArn: 'arn:fn',
      roleArn: 'arn:role',
      groupName: 'default',
    });
    expect(config.region).toBe('eu-west-1');
    expect(config.localCredentials).toBe(false);
  });

  it('rejects an unknown scheduler kind', () => {
    expect(() => loadConfig({ ...base, SIGNOFF_SCHEDULER: 'cron' })).toThrow(
      'SIGNOFF_SCHEDULER must be eventbridge or timer',
    );
  });

  it('takes the freeze poll in whole seconds, and refuses anything else', () => {
    expect(loadConfig({ ...base, SIGNOFF_FREEZE_POLL_SECONDS: '2' }).freezePollSeconds).toBe(2);
    for (const bad of ['0', '1.5', '5m', '-1'])
      expect(() => loadConfig({ ...base, SIGNOFF_FREEZE_POLL_SECONDS: bad })).toThrow(
        `SIGNOFF_FREEZE_POLL_SECONDS must be a whole number of seconds (1-99999), not "${bad}"`,
      );
  });
});

describe('loadLocalRuntimeConfig', () => {
  it('runs as many builds at once as there are CPUs unless SIGNOFF_BUILD_WORKERS says otherwise', () => {
    expect(loadLocalRuntimeConfig({}, 6)).toEqual({ buildWorkers: 6 });
    expect(loadLocalRuntimeConfig({}, 0)).toEqual({ buildWorkers: 1 });
    expect(loadLocalRuntimeConfig({ SIGNOFF_BUILD_WORKERS: ' 3 ' }, 6)).toEqual({ buildWorkers: 3 });
  });

  it('refuses a SIGNOFF_BUILD_WORKERS that is not a positive integer', () => {
    for (const value of ['0', '-1', '2.5', 'many']) {
      expect(() => loadLocalRuntimeConfig({ SIGNOFF_BUILD_WORKERS: value })).toThrow(
        `SIGNOFF_BUILD_WORKERS must be a positive integer, not "${value}"`,
      );
    }
  });
});

describe('identity-provider settings', () => {
  const oidc = { ...base, SIGNOFF_OIDC_ISSUER: 'https://acme.okta.com', SIGNOFF_OIDC_CLIENT_ID: 'signoff' };

  it('reads the issuer and client, with defaults, and turns emailed sign-in links off', () => {
    const config = loadConfig(oidc);
    expect(config.oidc).toEqual({
      issuer: 'https://acme.okta.com',
      clientId: 'signoff',
      name: 'acme.okta.com',
      scopes: 'openid email profile groups',
      groupsClaim: 'groups',
      emailClaim: 'email',
      requireEmailVerified: true,
    });
    expect(config.emailSignin).toBe(false);
  });

  it('keeps emailed links when asked, and reads every setting', () => {
    const config = loadConfig({
      ...oidc,
      SIGNOFF_EMAIL_SIGNIN: 'true',
      SIGNOFF_OIDC_NAME: 'Okta',
      SIGNOFF_OIDC_SCOPES: 'openid email',
      SIGNOFF_OIDC_GROUPS_CLAIM: 'roles',
      SIGNOFF_OIDC_EMAIL_CLAIM: 'preferred_username',
      SIGNOFF_OIDC_REQUIRE_EMAIL_VERIFIED: 'false',
    });
    expect(config.emailSignin).toBe(true);
    expect(config.oidc).toMatchObject({
      name: 'Okta',
      scopes: 'openid email',
      groupsClaim: 'roles',
      emailClaim: 'preferred_username',
      requireEmailVerified: false,
    });
  });

  it('refuses a plain-http issuer off this machine, a missing client id and a bad flag, naming the variable', () => {
    expect(() => loadConfig({ ...oidc, SIGNOFF_OIDC_ISSUER: 'http://idp.acme.com' })).toThrow(
      /SIGNOFF_OIDC_ISSUER must be an https URL/,
    );
    expect(() => loadConfig({ ...oidc, SIGNOFF_OIDC_ISSUER: 'not a url' })).toThrow(
      /SIGNOFF_OIDC_ISSUER must be a URL/,
    );
    expect(() => loadConfig({ ...base, SIGNOFF_OIDC_ISSUER: 'https://acme.okta.com' })).toThrow(
      /SIGNOFF_OIDC_CLIENT_ID must be set/,
    );
    expect(() => loadConfig({ ...oidc, SIGNOFF_EMAIL_SIGNIN: 'yes' })).toThrow(
      /SIGNOFF_EMAIL_SIGNIN must be true or false, not "yes"/,
    );
    expect(loadConfig({ ...oidc, SIGNOFF_OIDC_ISSUER: 'http://127.0.0.1:8006' }).oidc?.issuer).toBe(
      'http://127.0.0.1:8006',
    );
  });
});

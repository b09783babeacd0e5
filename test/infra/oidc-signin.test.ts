/**
 * With `signoff:oidc`, people sign in through the company's identity provider: the template has
 * the signin function with exactly its grants, its two routes, the client secret to fill in and
 * the redirect URI to register, and the sign-in settings reach the functions that read them.
 * Without it none of that exists. A directory that maps IdP groups lets the functions that
 * resolve approvers or check Slack votes read people's last sign-ins, and only then. cdk-nag and
 * cfn-lint accept the template.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../functions/adapters/tables.ts';
import { loadConfig } from '../../functions/config.ts';
import { OIDC_CLIENT_SECRET as RUNTIME_SECRET_NAME } from '../../functions/core/auth/oidc.ts';
import { ROUTES } from '../../functions/routes.ts';
import { deployedFunctions, FUNCTIONS, IDENTITY_READERS } from '../../infra/functions.ts';
import { OIDC_CLIENT_SECRET } from '../../infra/signoff-stack.ts';
import { projectRoot } from '../support/examples.ts';
import { createFixtureRoot } from '../support/fixture-root.ts';
import { allStatements, logicalIdOf, render, type Statement, synthSignoff } from './synth.ts';

const OKTA = {
  issuer: 'https://acme.okta.com/oauth2/default',
  clientId: '0oa1b2c3d4E5f6G7h8i9',
  name: 'Okta',
  groupsClaim: 'groups',
};

/** One synthesized deployment (unbundled: the template is the same) and its IAM statements. */
interface Synth {
  built: ReturnType<typeof synthSignoff>;
  template: Template;
  statements: Statement[];
}

function synth(options: { context?: Record<string, unknown>; root?: string } = {}): Synth {
  const built = synthSignoff({ bundle: false, ...options });
  const template = built.template;
  return { built, template, statements: allStatements(template) };
}

/** A repository root like the example's, whose directory takes the developer role from an IdP group. */
function idpDirectoryRoot(): string {
  const root = createFixtureRoot('idp-directory');
  for (const name of readdirSync(join(projectRoot, 'config'))) {
    if (name !== 'directory.yaml')
      copyFileSync(join(projectRoot, 'config', name), join(root, 'config', name));
  }
  const directory = readFileSync(join(projectRoot, 'config', 'directory.yaml'), 'utf8');
  writeFileSync(
    join(root, 'config', 'directory.yaml'),
    `${directory}\nroles:\n  developer: { idp_group: okta-engineering }\n`,
  );
  symlinkSync(join(projectRoot, 'workflows'), join(root, 'workflows'));
  symlinkSync(join(projectRoot, 'package-lock.json'), join(root, 'package-lock.json'));
  return root;
}

let root: string;
/** The test settings as they are: no identity provider. */
let plain: Synth;
/** With the identity provider (emailed links off by default), the example directory. */
let oidc: Synth;
/** With the identity provider, emailed links kept on, a custom domain, and a directory that maps IdP groups. */
let mapped: Synth;

beforeAll(() => {
  root = idpDirectoryRoot();
  plain = synth();
  oidc = synth({ context: { 'signoff:oidc': OKTA } });
  oidc.built.app.synth();
  mapped = synth({
    root,
    context: {
      'signoff:oidc': JSON.stringify(OKTA),
      'signoff:emailSignin': 'true',
      'signoff:publicUrl': 'https://signoff.acme.com',
    },
  });
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Resource = { Properties: Record<string, any> };

function functionOf(s: Synth, name: string): Resource | undefined {
  const all = s.template.findResources('AWS::Lambda::Function', {
    Properties: { FunctionName: `signoff-${name}` },
  }) as Record<string, Resource>;
  return Object.values(all)[0];
}

const roleOf = (s: Synth, name: string) => `<${functionOf(s, name)?.Properties.Role['Fn::GetAtt'][0]}>`;

/** A function's statements, without the X-Ray writes every function with tracing has. */
function grantsOf(s: Synth, name: string): { actions: string[]; resources: string[] }[] {
  return s.statements
    .filter((st) => st.roles.includes(roleOf(s, name)))
    .filter((st) => !st.actions.every((a) => a.startsWith('xray:')))
    .map(({ actions, resources }) => ({ actions: [...actions].sort(), resources: [...resources].sort() }));
}

/** A table's ARN and its indexes' as the statements render them (`<AuthTable...Arn>/index/by_user`). */
function tableArns(s: Synth, key: keyof typeof TABLES): string[] {
  const ids = Object.keys(s.template.findResources('AWS::DynamoDB::Table')).filter((id) =>
    id.startsWith(TABLES[key].logicalId),
  );
  expect(ids).toHaveLength(1);
  const arn = `<${ids[0]}.Arn>`;
  return [arn, ...TABLES[key].indexes.map((index) => `${arn}/index/${index.name}`)].sort();
}

function secretRef(s: Synth, name: string): string | undefined {
  const found = Object.entries(s.template.findResources('AWS::SecretsManager::Secret')).find(
    ([, secret]) => render(secret.Properties.Name) === `signoff/<DeploymentId>/${name}`,
  );
  return found ? `<${found[0]}>` : undefined;
}

function environmentOf(s: Synth, name: string): Record<string, string> {
  const vars = functionOf(s, name)?.Properties.Environment.Variables as Record<string, unknown>;
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, render(v)]));
}

const routeKeys = (s: Synth) =>
  Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')).map(
    (r) => r.Properties.RouteKey as string,
  );

describe('without signoff:oidc', () => {
  it('deploys no signin function, no /signin/oidc routes, no client secret and no redirect URI', () => {
    expect(functionOf(plain, 'signin')).toBeUndefined();
    expect(deployedFunctions({}).map((f) => f.name)).not.toContain('signin');
    expect(routeKeys(plain).filter((k) => k.includes('/signin/oidc'))).toEqual([]);
    expect(routeKeys(plain)).toContain('GET /signin');
    expect(secretRef(plain, OIDC_CLIENT_SECRET)).toBeUndefined();
    const outputs = plain.template.findOutputs('*');
    expect(outputs.OidcRedirectUrl).toBeUndefined();
    expect(render(outputs.SecretsToFill?.Value)).not.toContain(OIDC_CLIENT_SECRET);
  });

  it('keeps emailed sign-in links on, tells no function of an identity provider, and lets the web function email them', () => {
    for (const spec of deployedFunctions({})) {
      const env = environmentOf(plain, spec.name);
      expect(
        Object.keys(env).filter((k) => k.startsWith('SIGNOFF_OIDC_')),
        spec.name,
      ).toEqual([]);
    }
    expect(environmentOf(plain, 'web').SIGNOFF_EMAIL_SIGNIN).toBe('true');
    expect(grantsOf(plain, 'web').some((g) => g.actions.includes('ses:SendEmail'))).toBe(true);
  });

  it('gives the functions that resolve approvers or take Slack votes no access to the auth table', () => {
    const auth = tableArns(plain, 'auth');
    for (const name of IDENTITY_READERS) {
      expect(
        grantsOf(plain, name).filter((g) => g.resources.some((r) => auth.includes(r))),
        name,
      ).toEqual([]);
    }
  });
});

describe('with signoff:oidc', () => {
  it('deploys the signin function as an HTTP function, with its own role', () => {
    const spec = FUNCTIONS.find((f) => f.name === 'signin');
    expect(spec?.onlyWith).toBe('oidc');
    expect(functionOf(oidc, 'signin')?.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 29,
      Description: expect.stringContaining('identity provider'),
    });
    const roles = deployedFunctions({ oidc: OKTA }).map((f) => roleOf(oidc, f.name));
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('grants the signin function exactly the auth table without UpdateItem, audit appends and the one secret', () => {
    expect(grantsOf(oidc, 'signin')).toEqual([
      // Its own log group, as every function.
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [expect.stringMatching(/^<FnsigninLogs\w+\.Arn>$/)],
      },
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        resources: tableArns(oidc, 'auth'),
      },
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        resources: tableArns(oidc, 'audit'),
      },
      { actions: ['secretsmanager:GetSecretValue'], resources: [secretRef(oidc, OIDC_CLIENT_SECRET)] },
    ]);
  });

  it('lets no other function read the client secret', () => {
    const secret = secretRef(oidc, OIDC_CLIENT_SECRET) as string;
    const readers = oidc.statements.filter((s) => s.resources.includes(secret)).flatMap((s) => s.roles);
    expect(readers).toEqual([roleOf(oidc, 'signin')]);
    // The name the runtime reads.
    expect(OIDC_CLIENT_SECRET).toBe(RUNTIME_SECRET_NAME);
  });

  it('routes GET /signin/oidc and its callback to the signin function, and the other sign-in routes to web', () => {
    const routes = Object.values(oidc.template.findResources('AWS::ApiGatewayV2::Route'));
    const integrations = oidc.template.findResources('AWS::ApiGatewayV2::Integration');
    const targetOf = (key: string) => {
      const route = routes.find((r) => r.Properties.RouteKey === key);
      const id = render(route?.Properties.Target).replace(/^integrations\/<|>$/g, '');
      return integrations[id]?.Properties.IntegrationUri['Fn::GetAtt'][0];
    };
    const signinId = logicalIdOf(oidc.template, 'AWS::Lambda::Function', { FunctionName: 'signoff-signin' });
    const webId = logicalIdOf(oidc.template, 'AWS::Lambda::Function', { FunctionName: 'signoff-web' });
    expect(targetOf('GET /signin/oidc')).toBe(signinId);
    expect(targetOf('GET /signin/oidc/callback')).toBe(signinId);
    expect(targetOf('GET /signin')).toBe(webId);
    expect(targetOf('GET /signin/{token}')).toBe(webId);
    expect(routes).toHaveLength(ROUTES.length);
  });

  it('creates the client secret empty and lists it among the secrets to fill', () => {
    const [, secret] = Object.entries(oidc.template.findResources('AWS::SecretsManager::Secret')).find(
      ([, s]) => render(s.Properties.Name) === `signoff/<DeploymentId>/${OIDC_CLIENT_SECRET}`,
    ) as [string, Resource];
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toBeUndefined();
    expect(render(oidc.template.findOutputs('*').SecretsToFill?.Value).split(' ')).toContain(
      `signoff/<DeploymentId>/${OIDC_CLIENT_SECRET}`,
    );
  });

  it('outputs the redirect URI to register: the API URL, or the public URL when one is set', () => {
    const api = oidc.template.findOutputs('*');
    expect(render(api.OidcRedirectUrl?.Value)).toBe(`${render(api.ApiUrl?.Value)}signin/oidc/callback`);
    expect(render(api.OidcRedirectUrl?.Value)).toMatch(
      /^https:\/\/<Http.*>\.execute-api\..*\/signin\/oidc\/callback$/,
    );
    expect(api.OidcRedirectUrl?.Description).toMatch(
      /^Register this redirect URI with your identity provider/,
    );
    expect(mapped.template.findOutputs('*').OidcRedirectUrl?.Value).toBe(
      'https://signoff.acme.com/signin/oidc/callback',
    );
  });

  it('tells the web and signin functions how people sign in, and no other function', () => {
    for (const name of ['web', 'signin']) {
      const config = loadConfig({
        ...environmentOf(oidc, name),
        AWS_LAMBDA_FUNCTION_NAME: `signoff-${name}`,
      });
      expect(config.oidc, name).toEqual({
        issuer: OKTA.issuer,
        clientId: OKTA.clientId,
        name: 'Okta',
        scopes: 'openid email profile groups',
        groupsClaim: 'groups',
        emailClaim: 'email',
        requireEmailVerified: true,
      });
      expect(config.emailSignin, name).toBe(false);
      // The callback's redirect URI is made from it; it must match the output.
      expect(`${config.publicUrl}/signin/oidc/callback`).toBe(
        render(oidc.template.findOutputs('*').OidcRedirectUrl?.Value),
      );
    }
    for (const spec of deployedFunctions({ oidc: OKTA }).filter((f) => !['web', 'signin'].includes(f.name))) {
      const env = environmentOf(oidc, spec.name);
      expect(
        Object.keys(env).filter((k) => /^SIGNOFF_(OIDC_|EMAIL_SIGNIN)/.test(k)),
        spec.name,
      ).toEqual([]);
    }
    const mappedEnv = environmentOf(mapped, 'web');
    expect(mappedEnv.SIGNOFF_EMAIL_SIGNIN).toBe('true');
    expect(mappedEnv.SIGNOFF_OIDC_ISSUER).toBe(OKTA.issuer);
    expect(mappedEnv.SIGNOFF_OIDC_SCOPES).toBeUndefined();
  });

  it('lets the web function send email only while emailed sign-in links are on', () => {
    expect(grantsOf(oidc, 'web').filter((g) => g.actions.includes('ses:SendEmail'))).toEqual([]);
    expect(grantsOf(mapped, 'web').filter((g) => g.actions.includes('ses:SendEmail'))).toHaveLength(1);
  });

  it('gives the functions that resolve approvers or take Slack votes no access to the auth table while the directory maps no IdP groups', () => {
    const auth = tableArns(oidc, 'auth');
    for (const name of IDENTITY_READERS) {
      expect(
        grantsOf(oidc, name).filter((g) => g.resources.some((r) => auth.includes(r))),
        name,
      ).toEqual([]);
    }
  });
});

describe('with a directory that maps IdP groups', () => {
  it('lets request-approval, escalate and slack-interactions read the auth table: GetItem of one record, a Query of by_user for all', () => {
    const auth = tableArns(mapped, 'auth');
    expect(auth).toContain(`${auth[0]}/index/by_user`);
    expect(IDENTITY_READERS).toEqual(['request-approval', 'escalate', 'slack-interactions']);
    for (const name of IDENTITY_READERS) {
      expect(
        grantsOf(mapped, name).filter((g) => g.resources.some((r) => auth.includes(r))),
        name,
      ).toEqual([{ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: auth }]);
    }
  });

  it('lets the api function revoke a record and end its sessions (UpdateItem, DeleteItem), which it may not without the mapping', () => {
    const actionsOn = (s: Synth) => {
      const auth = tableArns(s, 'auth');
      return grantsOf(s, 'api')
        .filter((g) => g.resources.some((r) => auth.includes(r)))
        .flatMap((g) => g.actions);
    };
    expect(actionsOn(mapped)).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
    expect(actionsOn(oidc)).not.toContain('dynamodb:UpdateItem');
    expect(actionsOn(oidc)).not.toContain('dynamodb:DeleteItem');
  });

  it('gives no other function more of the auth table than it had', () => {
    const auth = tableArns(mapped, 'auth');
    const onAuth = (s: Synth, name: string) =>
      grantsOf(s, name).filter((g) =>
        g.resources.some((r) => auth.includes(r) || tableArns(s, 'auth').includes(r)),
      );
    for (const spec of deployedFunctions({ oidc: OKTA })) {
      if (IDENTITY_READERS.includes(spec.name) || spec.name === 'api') continue;
      expect(
        onAuth(mapped, spec.name).map((g) => g.actions),
        spec.name,
      ).toEqual(onAuth(oidc, spec.name).map((g) => g.actions));
    }
  });
});

describe('checks on the template with signoff:oidc', () => {
  it('passes cdk-nag', () => {
    for (const s of [oidc, mapped]) {
      const report = s.built.nag.validateScope(s.built.app);
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    }
  });

  it.skipIf(!cfnLint())(
    'passes cfn-lint',
    () => {
      const file = join(oidc.built.outdir, `${oidc.built.stack.artifactId}.template.json`);
      // W3005 as in first-deploy.test.ts: CDK's own duplicate DependsOn on a role's default policy.
      const run = spawnSync('cfn-lint', ['--format', 'json', '--ignore-checks', 'W3005', '--', file], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(JSON.parse(run.stdout || '[]')).toEqual([]);
      expect(run.status, run.stderr).toBe(0);
    },
    300_000,
  );
});

function cfnLint(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('the infra tests need cfn-lint in CI');
    return false;
  }
}

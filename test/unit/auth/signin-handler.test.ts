import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../functions/adapters/memory-audit-log.ts';
import { MemoryAuthStore } from '../../../functions/adapters/memory-auth-store.ts';
import { MemoryIdentityStore } from '../../../functions/adapters/memory-identity-store.ts';
import { type Config, loadConfig } from '../../../functions/config.ts';
import { authKey } from '../../../functions/core/auth/auth-store.ts';
import type { IdentityRecord } from '../../../functions/core/auth/identity-store.ts';
import { OIDC_CLIENT_SECRET, OIDC_DEFAULTS } from '../../../functions/core/auth/oidc.ts';
import type { SigninRefusalReason } from '../../../functions/core/auth/oidc-errors.ts';
import { handleSigninRequest } from '../../../functions/signin/handler.ts';
import type { WebResponse } from '../../../functions/web/responses.ts';
import type { SigninDeps } from '../../../functions/wiring/http.ts';
import { directorySchema, toDirectory } from '../../../statemachines/schema.ts';
import { createClock, RecordingLog, T0, type TestClock } from '../../support/approval-fixtures.ts';
import {
  type AuthorizeOptions,
  FAKE_CLIENT,
  type FakeOidcProvider,
  type IdTokenParts,
  startFakeOidcProvider,
} from '../../support/fake-oidc-provider.ts';
import { staticSecrets } from './auth-fixtures.ts';

const PUBLIC_URL = 'http://127.0.0.1:3000';
const SOURCE_IP = '203.0.113.7';

// The provider signs by the same fixed clock as signoff, so the token times are T0's.
let clock: TestClock = createClock();
let idp: FakeOidcProvider;
beforeAll(async () => {
  idp = await startFakeOidcProvider({ now: () => clock.now() });
});
afterAll(async () => {
  await idp?.close();
});

/**
 * Alice (the fake provider's default person: groups `platform` and `admins`) is listed without a
 * role, so her groups give her one; Bob has a role in the file.
 */
const DIRECTORY = toDirectory(
  directorySchema.parse({
    users: [
      { email: 'alice@acme.com', name: 'Alice Lead', slack: 'U0ALICE' },
      { email: 'bob@acme.com', name: 'Bob Builder', role: 'developer' },
    ],
    teams: { platform: { idp_group: 'platform' }, sre: { idp_group: 'sre' } },
    roles: { admin: { idp_group: 'admins' }, developer: { idp_group: 'engineers' } },
  }),
);

type Deps = SigninDeps & {
  auth: MemoryAuthStore;
  identities: MemoryIdentityStore;
  audit: MemoryAuditLog;
  log: RecordingLog;
};

function configOf(oidc: boolean): Config {
  const base = loadConfig({
    SIGNOFF_GATES_TABLE: 'gates',
    SIGNOFF_AUDIT_TABLE: 'audit',
    SIGNOFF_RUNS_TABLE: 'runs',
    SIGNOFF_AUTH_TABLE: 'auth',
  });
  const { oidc: _none, ...rest } = base;
  return {
    ...rest,
    local: true,
    publicUrl: PUBLIC_URL,
    emailSignin: false,
    ...(oidc
      ? { oidc: { issuer: idp.issuer, clientId: FAKE_CLIENT.id, name: 'Acme SSO', ...OIDC_DEFAULTS } }
      : {}),
  };
}

function createDeps(options: { oidc?: boolean; secret?: boolean } = {}): Deps {
  return {
    config: configOf(options.oidc ?? true),
    auth: new MemoryAuthStore(),
    identities: new MemoryIdentityStore(),
    audit: new MemoryAuditLog(() => clock.now()),
    directory: DIRECTORY,
    secrets: staticSecrets(options.secret === false ? {} : { [OIDC_CLIENT_SECRET]: FAKE_CLIENT.secret }),
    now: () => clock.now(),
    log: new RecordingLog(),
    logger: new Logger({ serviceName: 'signoff-test', logLevel: 'SILENT' }),
  };
}

let deps: Deps;
beforeEach(() => {
  clock = createClock();
  deps = createDeps();
});

/** An API Gateway v2 GET as the sign-in function receives it. */
function get(path: string, query = '', cookies?: string[]): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: query,
    headers: { host: '127.0.0.1:3000' },
    ...(cookies ? { cookies } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: SOURCE_IP, userAgent: 'test' },
      requestId: 'r-1',
      routeKey: `GET ${path}`,
      stage: '$default',
      time: '25/Nov/2026:10:00:00 +0000',
      timeEpoch: T0,
    },
  };
}

const send = (event: APIGatewayProxyEventV2) => handleSigninRequest(deps, event);

/** The Set-Cookie value of the named cookie, if the response sets it. */
function setCookie(response: WebResponse, name: string): string | undefined {
  return response.cookies?.find((c) => c.startsWith(`${name}=`));
}

/** The page's text with the HTML escapes undone. */
function pageText(response: WebResponse): string {
  return (response.body ?? '')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Starts a sign-in: the redirect to the identity provider, and the state its cookie carries. */
async function begin(query = 'next=%2Fruns%2F42') {
  const response = await send(get('/signin/oidc', query));
  const cookie = setCookie(response, 'signoff_oidc') ?? '';
  return { response, location: String(response.headers?.location), state: cookie.split(/[=;]/)[1] ?? '' };
}

/** A whole sign-in: start, the provider's answer, the callback with the browser's cookies. */
async function signIn(options: { authorize?: AuthorizeOptions; cookies?: (state: string) => string[] } = {}) {
  const started = await begin();
  const query = idp.authorize(started.location, options.authorize);
  const cookies = options.cookies?.(started.state) ?? [`signoff_oidc=${started.state}`];
  const callback = get('/signin/oidc/callback', query, cookies);
  return { response: await send(callback), callback, state: started.state };
}

const withClaims =
  (change: (claims: Record<string, unknown>) => Record<string, unknown>) =>
  (defaults: IdTokenParts): Partial<IdTokenParts> => ({ claims: change({ ...defaults.claims }) });
const without =
  (...names: string[]) =>
  (claims: Record<string, unknown>) => {
    for (const name of names) delete claims[name];
    return claims;
  };
const seconds = (offset = 0) => Math.floor(clock.now() / 1000) + offset;

const sessions = () => [...deps.auth.records.values()].filter((r) => r.kind === 'session');
const events = (action: string) => deps.audit.events.filter((e) => e.action === action);

describe('GET /signin/oidc', () => {
  it('sends the browser to the identity provider with the state in a short-lived cookie', async () => {
    const { response, location, state } = await begin();
    expect(response.statusCode).toBe(303);
    const url = new URL(location);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/authorize`);
    expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/signin/oidc/callback`);
    expect(url.searchParams.get('state')).toBe(state);
    expect(state).toMatch(/^[\w-]{20,}$/);
    expect(response.cookies).toEqual([`signoff_oidc=${state}; Max-Age=600; Path=/; HttpOnly; SameSite=Lax`]);
    const [pending] = [...deps.auth.records.values()];
    expect(pending).toMatchObject({ key: authKey('oidc_state', state), kind: 'oidc_state' });
    expect(pending?.oidc?.next).toBe('/runs/42');
    expect(sessions()).toEqual([]);
  });

  it('keeps only a next that stays on signoff', async () => {
    await begin('next=%2F%2Fevil.example.com%2Fx');
    expect([...deps.auth.records.values()][0]?.oidc?.next).toBe('/runs');
  });

  it('asks for max_age (at most a day) and prompt=login when told to', async () => {
    const asked = new URL((await begin('max_age=300&prompt=login')).location).searchParams;
    expect(asked.get('max_age')).toBe('300');
    expect(asked.get('prompt')).toBe('login');
    const capped = new URL((await begin('max_age=99999')).location).searchParams;
    expect(capped.get('max_age')).toBe('86400');
  });

  it.each([
    ['max_age=soon', 'max_age must be a whole number of seconds up to 86400.'],
    ['max_age=-5', 'max_age must be a whole number of seconds up to 86400.'],
    ['max_age=123456', 'max_age must be a whole number of seconds up to 86400.'],
    ['prompt=consent', 'prompt may only be login.'],
    ['prompt=none', 'prompt may only be login.'],
  ])('refuses %s with a 400 and starts nothing', async (query, says) => {
    const response = await send(get('/signin/oidc', query));
    expect(response.statusCode).toBe(400);
    expect(pageText(response)).toContain(`${says} Nothing was changed; you are not signed in.`);
    expect(response.cookies).toBeUndefined();
    expect(deps.auth.records.size).toBe(0);
  });
});

describe('GET /signin/oidc/callback', () => {
  it('signs the person in: back to next, a session cookie, the record of their groups, audited', async () => {
    const { response, state } = await signIn();
    expect(response.statusCode).toBe(303);
    expect(response.headers?.location).toBe('/runs/42');
    const [cleared, session] = response.cookies ?? [];
    expect(cleared).toBe('signoff_oidc=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax');
    expect(session).toMatch(/^signoff_session=[\w-]{20,}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/);
    const sessionId = session?.split(/[=;]/)[1] ?? '';
    expect(await deps.auth.get(authKey('session', sessionId))).toMatchObject({
      kind: 'session',
      email: 'alice@acme.com',
      signin: { idp: idp.issuer, auth_time: seconds(-5), amr: ['pwd', 'mfa'] },
    });
    // The pending sign-in is used up.
    expect(await deps.auth.get(authKey('oidc_state', state))).toBeUndefined();
    expect(await deps.identities.get('alice@acme.com')).toEqual({
      email: 'alice@acme.com',
      name: 'Alice Lead',
      iss: idp.issuer,
      sub: 'user-123',
      groups: ['platform', 'admins'],
      signed_in_at: new Date(T0).toISOString(),
      auth_time: seconds(-5),
      amr: ['pwd', 'mfa'],
    });
    expect(deps.audit.events).toHaveLength(1);
    expect(events('signed_in')[0]).toMatchObject({
      actor: { email: 'alice@acme.com', name: 'Alice Lead' },
      workflow: '*',
      run_id: 'signin-2026-11-25',
      channel: 'web',
      details: {
        idp: idp.issuer,
        role: 'admin',
        groups: ['platform', 'admins'],
        teams_from_idp: ['platform'],
        amr: ['pwd', 'mfa'],
        source_ip: SOURCE_IP,
      },
    });
  });

  it('finds the state cookie among the browser’s other cookies', async () => {
    const { response } = await signIn({ cookies: (state) => ['theme=dark', `signoff_oidc=${state}`, 'x=1'] });
    expect(response.statusCode).toBe(303);
    expect(setCookie(response, 'signoff_session')).toBeDefined();
  });

  it('signs in a file user whose groups map no role, with the file role', async () => {
    const { response } = await signIn({
      authorize: {
        idToken: withClaims((c) => ({ ...c, email: 'bob@acme.com', sub: 'user-bob', groups: ['sre'] })),
      },
    });
    expect(response.statusCode).toBe(303);
    expect(events('signed_in')[0]?.details).toMatchObject({ role: 'developer', teams_from_idp: ['sre'] });
  });

  /** One refused callback, and what it must say. */
  interface Refusal {
    name: string;
    code: SigninRefusalReason;
    status: number;
    says: RegExp;
    authorize?: AuthorizeOptions;
    /** The cookies the callback carries (default: the state's cookie). */
    cookies?: (state: string) => string[];
    /** Sends the callback once before, as a successful sign-in. */
    replay?: boolean;
    /** The record stored before the sign-in. */
    before?: IdentityRecord;
    /** The audit actor: the person, once the ID token was valid. */
    who?: string;
    /** The identity record afterwards (default: unchanged). */
    after?: (before: IdentityRecord | undefined) => Partial<IdentityRecord> | undefined;
  }

  const earlier: IdentityRecord = {
    email: 'alice@acme.com',
    name: 'Alice Lead',
    iss: '', // the provider's issuer, set in the test
    sub: 'user-123',
    groups: ['sre', 'admins'],
    signed_in_at: new Date(T0 - 3 * 86_400_000).toISOString(),
  };

  const refusals: Refusal[] = [
    {
      name: 'a token from another issuer',
      code: 'wrong_issuer',
      status: 403,
      says: /came from another identity provider/,
      authorize: { idToken: withClaims((c) => ({ ...c, iss: 'https://evil.example.com' })) },
    },
    {
      name: 'a token for another application',
      code: 'wrong_audience',
      status: 403,
      says: /for another application/,
      authorize: { idToken: withClaims((c) => ({ ...c, aud: 'another-app' })) },
    },
    {
      name: 'an expired token',
      code: 'token_expired',
      status: 403,
      says: /had expired or was not valid yet/,
      authorize: { idToken: withClaims((c) => ({ ...c, iat: seconds(-900), exp: seconds(-60) })) },
    },
    {
      name: 'a token signed with another key',
      code: 'bad_signature',
      status: 403,
      says: /not signed with any of its published keys/,
      authorize: { idToken: () => ({ key: idp.strangerKey }) },
    },
    {
      name: 'an unsigned token (alg none)',
      code: 'unexpected_alg',
      status: 403,
      says: /only public-key signatures are/,
      authorize: { idToken: () => ({ header: { alg: 'none' } }) },
    },
    {
      name: 'the same callback a second time',
      code: 'state_replayed',
      status: 410,
      says: /already completed/,
      replay: true,
    },
    {
      name: 'a callback without the state cookie',
      code: 'state_mismatch',
      status: 400,
      says: /did not start in this browser/,
      cookies: () => ['theme=dark'],
    },
    {
      name: 'a callback with another state cookie',
      code: 'state_mismatch',
      status: 400,
      says: /did not start in this browser/,
      cookies: () => [`signoff_oidc=${'x'.repeat(43)}`],
    },
    {
      name: 'a token without the nonce',
      code: 'nonce_missing',
      status: 403,
      says: /one-time value/,
      authorize: { idToken: withClaims(without('nonce')) },
    },
    {
      name: 'a token without groups',
      code: 'groups_missing',
      status: 403,
      says: /did not say which groups you are in/,
      authorize: { idToken: withClaims(without('groups')) },
    },
    {
      name: 'groups as a string',
      code: 'groups_not_list',
      status: 403,
      says: /is a string, not a list of group names/,
      authorize: { idToken: withClaims((c) => ({ ...c, groups: 'platform,admins' })) },
    },
    {
      name: 'an email the provider has not verified',
      code: 'email_unverified',
      status: 403,
      says: /has not verified your email address/,
      authorize: { idToken: withClaims((c) => ({ ...c, email_verified: false })) },
    },
    {
      name: 'a person whose groups give no role',
      code: 'no_role',
      status: 403,
      says: /none of your groups gives you a role/,
      authorize: { idToken: withClaims((c) => ({ ...c, groups: ['platform', 'contractors'] })) },
      who: 'alice@acme.com',
      // Recorded all the same: her groups no longer put her in any team, and later votes must see it.
      after: () => ({ groups: ['platform', 'contractors'], signed_in_at: new Date(T0).toISOString() }),
    },
    {
      name: 'the same email from another subject',
      code: 'identity_conflict',
      status: 403,
      says: /already bound to another account/,
      before: { ...earlier, sub: 'user-someone-else' },
      who: 'alice@acme.com',
    },
  ];

  it.each(refusals)(
    'refuses $name ($code): a page, no session, audited, the record as it must be',
    async (refusal) => {
      const before = refusal.before ?? earlier;
      await deps.identities.recordSignin({ ...before, iss: idp.issuer });
      let response: WebResponse;
      if (refusal.replay) {
        const first = await signIn();
        expect(first.response.statusCode).toBe(303);
        deps.audit.events.length = 0;
        deps.auth.records.clear();
        response = await send(first.callback);
      } else {
        response = (
          await signIn({
            ...(refusal.authorize ? { authorize: refusal.authorize } : {}),
            ...(refusal.cookies ? { cookies: refusal.cookies } : {}),
          })
        ).response;
      }
      const stored = await deps.identities.get('alice@acme.com');
      expect(response.statusCode).toBe(refusal.status);
      expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
      const text = pageText(response);
      expect(text).toMatch(refusal.says);
      // A person without a role had their groups recorded (they take back any teams): the page says only that they are not signed in.
      expect(text).toContain(
        refusal.code === 'no_role' ? 'You are not signed in.' : 'Nothing was changed; you are not signed in.',
      );
      expect(setCookie(response, 'signoff_session')).toBeUndefined();
      expect(response.cookies).toEqual(['signoff_oidc=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax']);
      expect(sessions()).toEqual([]);
      expect(events('signed_in')).toEqual([]);
      const refused = events('signin_refused');
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({
        actor: { email: refusal.who ?? 'unknown' },
        workflow: '*',
        channel: 'web',
        details: { code: refusal.code, source_ip: SOURCE_IP },
      });
      expect(refused[0]?.reason).toMatch(refusal.says);
      if (refusal.replay) {
        // The first, successful sign-in's record, not touched by the replay.
        expect(stored?.signed_in_at).toBe(new Date(T0).toISOString());
      } else if (refusal.after) {
        expect(stored).toMatchObject(refusal.after(before) ?? {});
      } else {
        expect(stored).toEqual({ ...before, iss: idp.issuer });
      }
    },
  );

  it('refuses a sign-in finished more than ten minutes after it started, and stores nothing', async () => {
    const started = await begin();
    const query = idp.authorize(started.location);
    clock.advance(11 * 60_000);
    const response = await send(get('/signin/oidc/callback', query, [`signoff_oidc=${started.state}`]));
    expect(response.statusCode).toBe(410);
    expect(pageText(response)).toContain('This sign-in took too long.');
    expect(events('signin_refused')[0]?.details).toMatchObject({ code: 'state_expired' });
    expect(sessions()).toEqual([]);
    expect(await deps.identities.list()).toEqual([]);
  });

  it('refuses a callback the provider answered with an error, and says which', async () => {
    const { response } = await signIn({ authorize: { error: 'access_denied' } });
    expect(response.statusCode).toBe(403);
    expect(pageText(response)).toContain('The identity provider refused the sign-in (access_denied).');
    expect(events('signin_refused')[0]?.details).toMatchObject({ code: 'idp_error' });
    expect(await deps.identities.list()).toEqual([]);
  });
});

describe('sign-in through the identity provider, not set up', () => {
  it.each([
    ['GET /signin/oidc', '/signin/oidc', 'next=%2Fruns'],
    ['GET /signin/oidc/callback', '/signin/oidc/callback', 'code=abc&state=def'],
  ])('answers %s with a page saying so, and stores nothing', async (_, path, query) => {
    deps = createDeps({ oidc: false });
    const response = await send(get(path, query, ['signoff_oidc=def']));
    expect(response.statusCode).toBe(500);
    const text = pageText(response);
    expect(text).toContain('Sign-in through the identity provider is not set up correctly');
    expect(text).toContain('sign-in through an identity provider is not set up');
    expect(text).toContain('Nothing was changed');
    expect(setCookie(response, 'signoff_session')).toBeUndefined();
    expect(deps.auth.records.size).toBe(0);
    expect(await deps.identities.list()).toEqual([]);
    expect(deps.audit.events).toEqual([]);
  });

  it('says which secret is missing when the client secret is not set', async () => {
    deps = createDeps({ secret: false });
    const response = await send(get('/signin/oidc', 'next=%2Fruns'));
    expect(response.statusCode).toBe(500);
    expect(pageText(response)).toContain(`the secret ${OIDC_CLIENT_SECRET} is not set`);
    expect(deps.auth.records.size).toBe(0);
  });

  it('answers 404 for another address', async () => {
    const response = await send(get('/signin/elsewhere'));
    expect(response.statusCode).toBe(404);
    expect(deps.auth.records.size).toBe(0);
  });
});

import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryAuthStore } from '../../../functions/adapters/memory-auth-store.ts';
import { AuthError } from '../../../functions/core/auth/auth-error.ts';
import {
  finishSignin,
  OIDC_DEFAULTS,
  OIDC_STATE_TTL_MS,
  type OidcDeps,
  type OidcSettings,
  startSignin,
} from '../../../functions/core/auth/oidc.ts';
import { type SigninRefusalReason, SigninRefused } from '../../../functions/core/auth/oidc-errors.ts';
import type { LogPort } from '../../../functions/core/ports.ts';
import { createClock, T0, type TestClock } from '../../support/approval-fixtures.ts';
import {
  type AuthorizeOptions,
  FAKE_CLIENT,
  type FakeOidcProvider,
  type IdTokenParts,
  startFakeOidcProvider,
} from '../../support/fake-oidc-provider.ts';

const REDIRECT_URI = 'https://signoff.example.com/signin/oidc/callback';

// The tests run on a fixed clock at T0, days before the machine's: the provider signs its tokens
// by that clock, so every accepted token also shows that signoff checks times by `deps.now`.
let clock: TestClock = createClock();
let idp: FakeOidcProvider;
let lenient: FakeOidcProvider;

beforeAll(async () => {
  idp = await startFakeOidcProvider({ now: () => clock.now() });
  lenient = await startFakeOidcProvider({ now: () => clock.now(), algs: ['RS256', 'HS256', 'none'] });
});
afterAll(async () => {
  await idp.close();
  await lenient.close();
});
beforeEach(() => {
  clock = createClock();
});

type Deps = OidcDeps & { auth: MemoryAuthStore; logged: unknown[] };

function createDeps(): Deps {
  const logged: unknown[] = [];
  const log: LogPort = {
    info: (...args) => logged.push(args),
    warn: (...args) => logged.push(args),
    error: (...args) => logged.push(args),
  };
  return { auth: new MemoryAuthStore(), now: () => clock.now(), log, logged };
}

function settingsOf(provider: FakeOidcProvider, overrides: Partial<OidcSettings> = {}): OidcSettings {
  return {
    issuer: provider.issuer,
    clientId: FAKE_CLIENT.id,
    clientSecret: FAKE_CLIENT.secret,
    name: 'Acme SSO',
    ...OIDC_DEFAULTS,
    redirectUri: REDIRECT_URI,
    ...overrides,
  };
}

interface Attempt {
  deps: Deps;
  settings: OidcSettings;
  state: string;
  url: string;
  query: string;
  verifier: string;
  /** Finishes with the callback's query and a state cookie (null: none), by default the right ones. */
  finish(query?: string, cookie?: string | null): ReturnType<typeof finishSignin>;
}

/** Starts a sign-in and plays the browser's trip to the provider and back. */
async function attempt(
  options: {
    provider?: FakeOidcProvider;
    settings?: Partial<OidcSettings>;
    start?: { maxAgeSeconds?: number; prompt?: 'login' };
    authorize?: AuthorizeOptions;
    deps?: Deps;
  } = {},
): Promise<Attempt> {
  const provider = options.provider ?? idp;
  const deps = options.deps ?? createDeps();
  const settings = settingsOf(provider, options.settings);
  const { url, state } = await startSignin(deps, settings, { next: '/runs/42', ...options.start });
  const verifier = [...deps.auth.records.values()].at(-1)?.oidc?.code_verifier ?? '';
  const query = provider.authorize(url, options.authorize);
  return {
    deps,
    settings,
    state,
    url,
    query,
    verifier,
    finish: (q = query, cookie = state) =>
      finishSignin(deps, settings, { query: q, stateCookie: cookie ?? undefined }),
  };
}

async function refusalOf(promise: Promise<unknown>): Promise<SigninRefused> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SigninRefused);
  return error as SigninRefused;
}

/** The message reads as a sentence and neither it nor the log holds a secret of the sign-in. */
function expectNoSecrets(run: Attempt, error: SigninRefused, provider = idp): void {
  expect(error.message).toMatch(/^[A-Za-z].{20,}[.]$/);
  expect(error.message).not.toMatch(/OAUTH_|undefined|\{/);
  const code = new URLSearchParams(run.query).get('code');
  const secrets = [run.state, run.verifier, FAKE_CLIENT.secret, code, provider.lastIdToken];
  const said = `${error.message} ${JSON.stringify(run.deps.logged)}`;
  for (const secret of secrets) if (secret) expect(said).not.toContain(secret);
}

const at = (offsetSeconds = 0) => Math.floor(clock.now() / 1000) + offsetSeconds;
const withClaims =
  (change: (claims: Record<string, unknown>) => Record<string, unknown>) =>
  (defaults: IdTokenParts): Partial<IdTokenParts> => ({ claims: change({ ...defaults.claims }) });
const without =
  (...names: string[]) =>
  (claims: Record<string, unknown>) => {
    for (const name of names) delete claims[name];
    return claims;
  };

describe('startSignin', () => {
  it('sends the code flow with S256 PKCE, a state, a nonce, the scopes and the redirect URI', async () => {
    const run = await attempt();
    const params = new URL(run.url).searchParams;
    expect(run.url.startsWith(`${idp.issuer}/authorize?`)).toBe(true);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(FAKE_CLIENT.id);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(params.get('state')).toBe(run.state);
    expect(params.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(params.get('scope')).toBe('openid email profile groups');
    expect(params.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(params.has('max_age')).toBe(false);
    expect(params.has('prompt')).toBe(false);
  });

  it('asks for max_age and prompt when told to', async () => {
    const params = new URL((await attempt({ start: { maxAgeSeconds: 300, prompt: 'login' } })).url)
      .searchParams;
    expect(params.get('max_age')).toBe('300');
    expect(params.get('prompt')).toBe('login');
  });

  it('stores the pending sign-in under the hash of its state for ten minutes, never the state', async () => {
    const deps = createDeps();
    const { state, expiresAt } = await startSignin(deps, settingsOf(idp), { next: '/runs' });
    const [[key, record]] = [...deps.auth.records.entries()] as [[string, unknown]];
    expect(key).toMatch(/^oidc_state#[0-9a-f]{64}$/);
    expect(JSON.stringify(record)).not.toContain(state);
    expect(expiresAt.getTime()).toBe(T0 + OIDC_STATE_TTL_MS);
  });

  it('refuses an http issuer that is not on this machine', async () => {
    const settings = settingsOf(idp, { issuer: 'http://idp.example.com' });
    await expect(startSignin(createDeps(), settings, { next: '/' })).rejects.toMatchObject({
      code: 'misconfigured',
    });
  });

  it('says the identity provider is unreachable, and tries discovery again on the next sign-in', async () => {
    const port = await freePort();
    const settings = settingsOf(idp, { issuer: `http://127.0.0.1:${port}` });
    const deps = createDeps();
    const error = await refusalOf(startSignin(deps, settings, { next: '/' }));
    expect(error).toMatchObject({ reason: 'idp_unreachable', status: 502 });
    expect(deps.auth.records.size).toBe(0);
    const late = await startFakeOidcProvider({ now: () => clock.now(), port });
    try {
      const run = await attempt({ provider: late });
      expect((await run.finish()).email).toBe('alice@acme.com');
    } finally {
      await late.close();
    }
  });
});

describe('finishSignin', () => {
  it('signs in: the claims mapped, the email in lower case, next from the state', async () => {
    const run = await attempt({ start: { maxAgeSeconds: 600 } });
    expect(await run.finish()).toEqual({
      iss: idp.issuer,
      sub: 'user-123',
      email: 'alice@acme.com',
      name: 'Alice Lead',
      groups: ['platform', 'admins'],
      authTime: at(-5),
      amr: ['pwd', 'mfa'],
      next: '/runs/42',
      maxAge: 600,
    });
    expect(run.deps.auth.records.size).toBe(0);
  });

  it('reads the claims the settings name, falls back to the email for the name', async () => {
    const run = await attempt({
      settings: { emailClaim: 'upn', groupsClaim: 'roles', requireEmailVerified: false },
      authorize: {
        idToken: withClaims((claims) => ({
          ...without('email', 'email_verified', 'groups', 'name', 'amr')(claims),
          upn: 'Bob@Acme.com',
          roles: [],
        })),
      },
    });
    expect(await run.finish()).toMatchObject({ email: 'bob@acme.com', name: 'bob@acme.com', groups: [] });
  });

  it('authenticates with client_secret_post where the provider takes only that', async () => {
    const postOnly = await startFakeOidcProvider({
      now: () => clock.now(),
      authMethods: ['client_secret_post'],
    });
    try {
      expect((await (await attempt({ provider: postOnly })).finish()).sub).toBe('user-123');
    } finally {
      await postOnly.close();
    }
  });

  it('judges token times by deps.now, not by the machine clock', async () => {
    clock.set(Date.now() + 3600_000);
    const real = Math.floor(Date.now() / 1000);
    const run = await attempt({
      authorize: { idToken: withClaims((claims) => ({ ...claims, iat: real, exp: real + 300 })) },
    });
    expect((await refusalOf(run.finish())).reason).toBe('token_expired');
  });

  it('refuses a second use of the same callback as replayed', async () => {
    const run = await attempt();
    await run.finish();
    const error = await refusalOf(run.finish());
    expect(error).toMatchObject({ reason: 'state_replayed', status: 410 });
    expectNoSecrets(run, error);
  });

  it.each([
    ['another state', 'x'.repeat(43)],
    ['no cookie', null],
  ])(
    'refuses a callback whose state is not the cookie (%s) without using the state up',
    async (_, cookie) => {
      const run = await attempt();
      const before = idp.tokenRequests;
      const error = await refusalOf(run.finish(run.query, cookie));
      expect(error).toMatchObject({ reason: 'state_mismatch', status: 400 });
      expectNoSecrets(run, error);
      expect(idp.tokenRequests).toBe(before);
      expect((await run.finish()).email).toBe('alice@acme.com');
    },
  );

  it('refuses a sign-in finished more than ten minutes after it started', async () => {
    const run = await attempt();
    clock.advance(11 * 60_000);
    const error = await refusalOf(run.finish());
    expect(error.reason).toBe('state_expired');
    expectNoSecrets(run, error);
  });

  it('refuses a code from another sign-in (the provider rejects the code)', async () => {
    const first = await attempt();
    await first.finish();
    const second = await attempt({ deps: first.deps });
    const code = new URLSearchParams(first.query).get('code') ?? '';
    const injected = new URLSearchParams({ code, state: second.state }).toString();
    const error = await refusalOf(second.finish(injected));
    expect(error.reason).toBe('code_rejected');
    expectNoSecrets({ ...second, query: injected }, error);
  });

  const refusals: {
    name: string;
    reason: SigninRefusalReason;
    idToken?: AuthorizeOptions['idToken'];
    error?: string;
    maxAgeSeconds?: number;
    provider?: () => FakeOidcProvider;
    says?: RegExp;
  }[] = [
    {
      name: 'a token from another issuer',
      reason: 'wrong_issuer',
      idToken: withClaims((c) => ({ ...c, iss: 'https://evil.example.com' })),
    },
    {
      name: 'a token for another client',
      reason: 'wrong_audience',
      idToken: withClaims((c) => ({ ...c, aud: 'another-app' })),
    },
    {
      name: 'an expired token',
      reason: 'token_expired',
      idToken: withClaims((c) => ({ ...c, iat: at(-900), exp: at(-60) })),
    },
    {
      name: 'a token signed with another key',
      reason: 'bad_signature',
      idToken: () => ({ key: idp.strangerKey }),
    },
    {
      name: 'an unsigned token (alg none)',
      reason: 'unexpected_alg',
      idToken: () => ({ header: { alg: 'none' } }),
    },
    {
      name: 'a token signed with the client secret (HS256)',
      reason: 'unexpected_alg',
      idToken: () => ({ header: { alg: 'HS256' }, key: new TextEncoder().encode(FAKE_CLIENT.secret) }),
    },
    {
      name: 'alg none from a provider that lists it',
      reason: 'unexpected_alg',
      idToken: () => ({ header: { alg: 'none' } }),
      provider: () => lenient,
    },
    {
      name: 'HS256 from a provider that lists it',
      reason: 'unexpected_alg',
      idToken: () => ({ header: { alg: 'HS256' }, key: new TextEncoder().encode(FAKE_CLIENT.secret) }),
      provider: () => lenient,
    },
    { name: 'a token without the nonce', reason: 'nonce_missing', idToken: withClaims(without('nonce')) },
    {
      name: 'a token with another nonce',
      reason: 'nonce_mismatch',
      idToken: withClaims((c) => ({ ...c, nonce: 'not-the-one-sent' })),
    },
    {
      name: 'a token without groups',
      reason: 'groups_missing',
      idToken: withClaims(without('groups')),
      says: /"groups" claim/,
    },
    {
      name: 'groups as a string',
      reason: 'groups_not_list',
      idToken: withClaims((c) => ({ ...c, groups: 'platform,admins' })),
      says: /is a string, not a list/,
    },
    {
      name: 'groups with a non-string entry',
      reason: 'groups_not_list',
      idToken: withClaims((c) => ({ ...c, groups: ['platform', 7] })),
      says: /not text/,
    },
    {
      name: 'more than 500 groups',
      reason: 'groups_not_list',
      idToken: withClaims((c) => ({ ...c, groups: Array.from({ length: 501 }, (_, i) => `g${i}`) })),
      says: /more than 500/,
    },
    {
      name: 'a group name over 256 characters',
      reason: 'groups_not_list',
      idToken: withClaims((c) => ({ ...c, groups: ['g'.repeat(257)] })),
      says: /longer than 256/,
    },
    {
      name: "Entra ID's group overage",
      reason: 'groups_missing',
      idToken: withClaims((c) => ({
        ...without('groups')(c),
        _claim_names: { groups: 'src1' },
        _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } },
      })),
      says: /overage/,
    },
    { name: 'a token without an email', reason: 'email_missing', idToken: withClaims(without('email')) },
    {
      name: 'an unverified email',
      reason: 'email_unverified',
      idToken: withClaims((c) => ({ ...c, email_verified: false })),
    },
    {
      name: 'an email without email_verified',
      reason: 'email_unverified',
      idToken: withClaims(without('email_verified')),
    },
    {
      name: 'a sign-in the user declined (error=access_denied)',
      reason: 'idp_error',
      error: 'access_denied',
      says: /\(access_denied\)/,
    },
    {
      name: 'an authentication older than max_age',
      reason: 'stale_authentication',
      maxAgeSeconds: 60,
      idToken: withClaims((c) => ({ ...c, auth_time: at(-600) })),
    },
    {
      name: 'max_age asked and no auth_time',
      reason: 'stale_authentication',
      maxAgeSeconds: 60,
      idToken: withClaims(without('auth_time')),
    },
  ];

  it.each(refusals)('refuses $name as $reason', async (refusal) => {
    const provider = refusal.provider?.() ?? idp;
    const run = await attempt({
      provider,
      start: refusal.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: refusal.maxAgeSeconds },
      authorize: {
        ...(refusal.idToken && { idToken: refusal.idToken }),
        ...(refusal.error && { error: refusal.error }),
      },
    });
    const error = await refusalOf(run.finish());
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'signin_refused', reason: refusal.reason, status: 403 });
    if (refusal.says) expect(error.message).toMatch(refusal.says);
    expect(error.message).not.toContain('The user declined');
    expectNoSecrets(run, error, provider);
    expect(JSON.stringify(run.deps.logged)).toContain(refusal.reason);
  });
});

/** A loopback port nobody listens on (for now). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

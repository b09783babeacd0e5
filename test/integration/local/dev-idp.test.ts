import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { type DevIdp, type DevIdpOptions, startDevIdp } from '../../../local/idp/dev-idp.ts';
import { CookieBrowser, type Landing } from '../../support/cookie-browser.ts';

// Never contacted: the browser below stops when the IdP redirects there.
const REDIRECT_URI = 'http://127.0.0.1:3000/signin/oidc/callback';
const OPTIONS: DevIdpOptions = {
  port: 0,
  clientId: 'signoff-local',
  clientSecret: 'local-client-secret-for-the-tests',
  redirectUris: [REDIRECT_URI],
  accounts: [
    { email: 'alice@acme.com', name: 'Alice Admin', groups: ['platform-leads', 'signoff-admins'] },
    { email: 'bob@acme.com', name: 'Bob <b>Builder</b> & "Sons"', groups: [] },
    { email: 'carol@acme.com', name: 'Carol Changes', groups: ['developers'] },
    { email: 'eve@acme.com', name: 'Eve Unverified', groups: ['viewers'], email_verified: false },
  ],
};

const dir = mkdtempSync(join(tmpdir(), 'signoff-dev-idp-'));
let idp: DevIdp;
let config: client.Configuration;
// oidc-provider's development warnings go to console.warn, its notices to console.info.
let consoleSpies: MockInstance[] = [];

beforeAll(async () => {
  consoleSpies = (['warn', 'info', 'log', 'error'] as const).map((method) => vi.spyOn(console, method));
  idp = await startDevIdp(OPTIONS);
  config = await discover(idp);
});

afterAll(async () => {
  for (const spy of consoleSpies) spy.mockRestore();
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

function discover(provider: DevIdp): Promise<client.Configuration> {
  return client.discovery(
    new URL(provider.issuer),
    OPTIONS.clientId,
    undefined,
    client.ClientSecretBasic(OPTIONS.clientSecret),
    { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] },
  );
}

/** A browser that stops at the client's redirect URI. */
class Browser extends CookieBrowser {
  constructor() {
    super(REDIRECT_URI);
  }
}

interface Authorization {
  config: client.Configuration;
  landing: Landing;
  verifier: string;
  state: string;
  nonce: string;
  maxAge?: number;
}

/** Sends the browser to the authorization endpoint with PKCE, state and nonce, plus `extra` parameters. */
async function authorize(
  browser: Browser,
  extra: Record<string, string> = {},
  at = config,
): Promise<Authorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(at, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile groups',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const maxAge = extra.max_age === undefined ? undefined : Number(extra.max_age);
  return { config: at, landing: await browser.go(url), verifier, state, nonce, maxAge };
}

function loginPageOf(landing: Landing): { html: string; action: URL } {
  if (!('page' in landing)) throw new Error(`Expected the login page, was sent to ${landing.callback}`);
  const action = /<form method="post" action="([^"]+)"/.exec(landing.page)?.[1];
  if (!action || !landing.url.pathname.startsWith('/interaction/')) {
    throw new Error(`Expected the login page, got ${landing.status} at ${landing.url}:\n${landing.page}`);
  }
  return { html: landing.page, action: new URL(action, landing.url) };
}

/** Presses an account's button on the login page. */
function choose(browser: Browser, landing: Landing, email: string, { mfa = false } = {}): Promise<Landing> {
  const form = new URLSearchParams({ account: email });
  if (mfa) form.set('mfa', 'yes');
  return browser.go(loginPageOf(landing).action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
}

/** Exchanges the code the redirect URI received, checking state, nonce, PKCE and the ID token. */
async function redeem(auth: Authorization, landing: Landing) {
  if (!('callback' in landing))
    throw new Error(`Expected the redirect URI, got ${landing.status} at ${landing.url}`);
  const tokens = await client.authorizationCodeGrant(auth.config, landing.callback, {
    pkceCodeVerifier: auth.verifier,
    expectedState: auth.state,
    expectedNonce: auth.nonce,
    idTokenExpected: true,
    maxAge: auth.maxAge,
  });
  return { claims: tokens.claims() as client.IDToken, idToken: tokens.id_token ?? '' };
}

/** The whole sign-in in a browser that has no IdP session yet. */
async function signIn(
  browser: Browser,
  email: string,
  options: { mfa?: boolean; at?: client.Configuration } = {},
) {
  const auth = await authorize(browser, {}, options.at);
  return redeem(auth, await choose(browser, auth.landing, email, options));
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('startDevIdp', () => {
  it('signs a chosen person in with email, name, groups, amr and auth_time in the ID token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { claims } = await signIn(new Browser(), 'alice@acme.com');
    expect(claims).toMatchObject({
      iss: idp.issuer,
      aud: OPTIONS.clientId,
      email: 'alice@acme.com',
      email_verified: true,
      name: 'Alice Admin',
      groups: ['platform-leads', 'signoff-admins'],
      amr: ['pwd'],
    });
    expect(claims.sub).toMatch(/^dev-[0-9a-f]{16}$/);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);

    const again = await signIn(new Browser(), 'alice@acme.com', { mfa: true });
    expect(again.claims.sub).toBe(claims.sub);
    expect(again.claims.amr).toEqual(['pwd', 'otp']);

    const eve = await signIn(new Browser(), 'eve@acme.com');
    expect(eve.claims).toMatchObject({ email: 'eve@acme.com', email_verified: false, groups: ['viewers'] });
    expect(eve.claims.sub).not.toBe(claims.sub);
  });

  it('lists every account on the login page, escaped, and answers 400 to an account it does not have', async () => {
    const browser = new Browser();
    const auth = await authorize(browser);
    const { html } = loginPageOf(auth.landing);
    expect(html).toContain('<title>Local identity provider</title>');
    expect(html).toContain('Signed in with a second factor (MFA)');
    for (const email of ['alice@acme.com', 'bob@acme.com', 'carol@acme.com', 'eve@acme.com']) {
      expect(html).toContain(`value="${email}"`);
    }
    expect(html).toContain('groups: platform-leads, signoff-admins');
    expect(html).toContain('Bob &lt;b&gt;Builder&lt;/b&gt; &amp; &quot;Sons&quot;');
    expect(html).not.toContain('<b>Builder');

    const refused = await choose(browser, auth.landing, 'mallory@<evil>.com');
    expect(refused).toMatchObject({ status: 400 });
    expect('page' in refused && refused.page).toContain(
      'There is no account &quot;mallory@&lt;evil&gt;.com&quot;',
    );

    // The refused post used nothing up: the same request still signs in.
    const { claims } = await redeem(auth, await choose(browser, auth.landing, 'bob@acme.com'));
    expect(claims).toMatchObject({ name: 'Bob <b>Builder</b> & "Sons"', groups: [] });
    expect([...browser.cookies.keys()].filter((name) => name.startsWith('signoff_'))).toEqual([]);
  });

  it('puts the groups setGroups gave in the next sign-in, and throws for an unknown email', async () => {
    expect((await signIn(new Browser(), 'carol@acme.com')).claims.groups).toEqual(['developers']);
    idp.setGroups('Carol@acme.com', ['developers', 'platform-leads']);
    expect((await signIn(new Browser(), 'carol@acme.com')).claims.groups).toEqual([
      'developers',
      'platform-leads',
    ]);
    expect(() => idp.setGroups('nobody@acme.com', ['x'])).toThrow(/nobody@acme\.com/);
  });

  it('signs in silently while the session lives, and asks again once max_age has passed', async () => {
    const browser = new Browser();
    const first = await signIn(browser, 'alice@acme.com', { mfa: true });

    const silent = await authorize(browser);
    expect(silent.landing).toHaveProperty('callback');
    const second = await redeem(silent, silent.landing);
    expect(second.claims).toMatchObject({ sub: first.claims.sub, auth_time: first.claims.auth_time });
    expect(second.claims.amr).toEqual(['pwd', 'otp']);

    // The one client is first-party: prompt=consent shows no page either.
    const consent = await authorize(browser, { prompt: 'consent' });
    expect((await redeem(consent, consent.landing)).claims.sub).toBe(first.claims.sub);

    // oidc-provider counts whole seconds and asks again only when more than max_age have passed:
    // 1.5 s can be a difference of one second (10.2 -> 11.7), 2.1 s is always two.
    await sleep(2100);
    const aged = await authorize(browser, { max_age: '1' });
    expect(loginPageOf(aged.landing).html).toContain('asked you to sign in again');
    const third = await redeem(aged, await choose(browser, aged.landing, 'alice@acme.com'));
    expect(third.claims.auth_time).toBeGreaterThan(first.claims.auth_time ?? Number.POSITIVE_INFINITY);
    expect(third.claims.amr).toEqual(['pwd']);
  });

  it('asks again for prompt=login even with a live session', async () => {
    const browser = new Browser();
    const first = await signIn(browser, 'carol@acme.com');
    // Long enough for the whole-second auth_time to move on.
    await sleep(1100);
    const forced = await authorize(browser, { prompt: 'login' });
    loginPageOf(forced.landing);
    const second = await redeem(forced, await choose(browser, forced.landing, 'carol@acme.com'));
    expect(second.claims.auth_time).toBeGreaterThan(first.claims.auth_time ?? Number.POSITIVE_INFINITY);
  });

  it('switches to another person on prompt=login, through its sign-out form', async () => {
    const browser = new Browser();
    await signIn(browser, 'alice@acme.com');
    const forced = await authorize(browser, { prompt: 'login' });
    const signOut = await choose(browser, forced.landing, 'eve@acme.com');
    // A browser submits this form by script (or by its Continue button without script).
    if (!('page' in signOut)) throw new Error(`Expected the sign-out form, was sent to ${signOut.callback}`);
    const action = /<form method="post" action="([^"]+)"/.exec(signOut.page)?.[1] ?? '';
    expect(new URL(action).pathname).toBe('/session/end/confirm');
    const fields = new URLSearchParams(
      [...signOut.page.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)].map(([, k, v]) => [
        k ?? '',
        v ?? '',
      ]),
    );
    const landing = await browser.go(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    });
    expect((await redeem(forced, landing)).claims.email).toBe('eve@acme.com');
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      state: client.randomState(),
      nonce: client.randomNonce(),
    });
    const landing = await new Browser().go(url);
    if (!('callback' in landing)) throw new Error(`Expected the redirect URI, got ${landing.status}`);
    expect(landing.callback.searchParams.get('error')).toBe('invalid_request');
    expect(landing.callback.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(landing.callback.searchParams.has('code')).toBe(false);
  });

  it('serves a help page naming the client and the accounts', async () => {
    const res = await fetch(`${idp.issuer}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('local development identity provider');
    expect(html).toContain('<code>signoff-local</code>');
    expect(html).toContain(REDIRECT_URI);
    expect(html).toContain('<td>alice@acme.com</td>');
    expect(html).not.toContain(OPTIONS.clientSecret);
  });

  it('keeps its signing key in keyFile, mode 0600, so a restart signs with the same kid', async () => {
    const keyFile = join(dir, 'keys', 'idp-keys.json');
    const kidOf = (idToken: string) =>
      JSON.parse(Buffer.from(idToken.split('.')[0] ?? '', 'base64url').toString()).kid as string;
    const signInAt = async (provider: DevIdp) =>
      kidOf((await signIn(new Browser(), 'alice@acme.com', { at: await discover(provider) })).idToken);

    const first = await startDevIdp({ ...OPTIONS, keyFile });
    const kid = await signInAt(first).finally(() => first.close());
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const second = await startDevIdp({ ...OPTIONS, keyFile });
    const again = await signInAt(second).finally(() => second.close());
    expect(again).toBe(kid);

    // Without a keyFile every start has a key of its own.
    expect(kidOf((await signIn(new Browser(), 'alice@acme.com')).idToken)).not.toBe(kid);
  });

  // Last, so it has seen every flow above: most notices come on the first use of a default.
  it('prints nothing but the Node runtime warning', () => {
    const printed = consoleSpies.flatMap((spy) => spy.mock.calls.map((args) => args.join(' ')));
    expect(printed.filter((line) => !line.includes('Unsupported runtime'))).toEqual([]);
  });
});

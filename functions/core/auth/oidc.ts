/**
 * Sign-in through the company's identity provider (OpenID Connect, authorization code flow with
 * PKCE, state and nonce), on openid-client. `startSignin` stores what the callback needs under
 * the hash of a random state; `finishSignin` checks the state against the browser's cookie, uses
 * it up, exchanges the code and checks the ID token, then the claims signoff relies on.
 */
import * as client from 'openid-client';
import { logOf } from '../approval/approval-deps.ts';
import type { Clock, LogPort } from '../ports.ts';
import { AuthError } from './auth-error.ts';
import { type AuthStore, authKey, isAlive, type OidcPending } from './auth-store.ts';
import { signedInFrom } from './oidc-claims.ts';
import { refusalOf, SigninRefused } from './oidc-errors.ts';
import { safeEqual } from './random-token.ts';

/** How signoff talks to the company's identity provider (from config). */
export interface OidcSettings {
  /** An https URL; plain http only on a loopback host (a local identity provider). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Shown on the button: "Sign in with {name}". */
  name: string;
  scopes: string;
  /** The ID token claim with the user's groups. */
  groupsClaim: string;
  /** The ID token claim with the user's email address. */
  emailClaim: string;
  /** Refuse an email the identity provider has not verified (`email_verified` must be true). */
  requireEmailVerified: boolean;
  /** `<publicUrl>/signin/oidc/callback`, registered with the identity provider. */
  redirectUri: string;
}

/** The settings that have a default, with it. */
export const OIDC_DEFAULTS = {
  scopes: 'openid email profile groups',
  groupsClaim: 'groups',
  emailClaim: 'email',
  requireEmailVerified: true,
} as const satisfies Partial<OidcSettings>;

/** What the sign-in needs, passed in as one object (AppDeps satisfies it). */
export interface OidcDeps {
  auth: AuthStore;
  now: Clock;
  log?: LogPort;
}

/** Who signed in, from a checked ID token. */
export interface SignedIn {
  iss: string;
  sub: string;
  /** Lower case. */
  email: string;
  /** The `name` claim, else the email. */
  name: string;
  groups: string[];
  /** When the user last authenticated at the identity provider, in seconds. */
  authTime?: number;
  /** How they authenticated (`pwd`, `mfa`, ...), when the identity provider says. */
  amr?: string[];
  /** Where to go now, as given to `startSignin`. */
  next: string;
  /** The `max_age` that was asked for, in seconds. */
  maxAge?: number;
}

/** The secret holding the identity provider's client secret (Secrets Manager in AWS). */
export const OIDC_CLIENT_SECRET = 'oidc-client-secret';

/** How long a started sign-in can be finished. */
export const OIDC_STATE_TTL_MS = 10 * 60_000;
/** The `email` of a pending sign-in's record: nobody is known until the callback. */
export const PENDING_EMAIL = 'oidc#pending';
const TIMEOUT_SECONDS = 5;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Public-key signature algorithms: an HS256 token would be signed with the client secret, `none` with nothing. */
const SIGNATURE_ALG = /^(?:[RP]S(?:256|384|512)|ES(?:256|384|512)|EdDSA|Ed25519)$/;

/** What discovery found, by issuer; a failed discovery is dropped, so the next sign-in tries again. */
interface Provider {
  metadata: client.ServerMetadata;
  jwks?: client.ExportedJWKSCache;
}
const providers = new Map<string, Promise<Provider>>();

/** Starts a sign-in: stores the pending state and returns the identity provider's URL and the state for the cookie. */
export async function startSignin(
  deps: OidcDeps,
  settings: OidcSettings,
  options: { next: string; maxAgeSeconds?: number; prompt?: 'login' },
): Promise<{ url: string; state: string; expiresAt: Date }> {
  const { maxAgeSeconds, prompt } = options;
  if (maxAgeSeconds !== undefined && !(Number.isSafeInteger(maxAgeSeconds) && maxAgeSeconds >= 0)) {
    throw new RangeError('maxAgeSeconds must be a whole number of seconds');
  }
  const { config } = await configure(deps, settings).catch((error: unknown) => refuse(deps, error));
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const now = deps.now();
  const expiresAt = new Date(now + OIDC_STATE_TTL_MS);
  const pending: OidcPending = {
    code_verifier: verifier,
    nonce,
    next: options.next,
    ...(maxAgeSeconds !== undefined && { max_age: maxAgeSeconds }),
  };
  const stored = await deps.auth.putIfAbsent({
    key: authKey('oidc_state', state),
    kind: 'oidc_state',
    email: PENDING_EMAIL,
    created_at: new Date(now).toISOString(),
    expires_at: expiresAt.toISOString(),
    oidc: pending,
  });
  if (!stored) throw new Error('sign-in state collision');
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: new URL(settings.redirectUri).href,
    scope: settings.scopes,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(maxAgeSeconds !== undefined && { max_age: String(maxAgeSeconds) }),
    ...(prompt && { prompt }),
  });
  return { url: url.href, state, expiresAt };
}

/** Finishes a sign-in from its callback; throws SigninRefused saying why it was refused. */
export async function finishSignin(
  deps: OidcDeps,
  settings: OidcSettings,
  callback: { query: string; stateCookie: string | undefined },
): Promise<SignedIn> {
  let who: { iss: string; sub: string } | undefined;
  try {
    const query = callback.query.replace(/^\?/, '');
    const params = new URLSearchParams(query);
    const state = params.get('state');
    // Compared before the state is used up, so a forged callback cannot spend the user's sign-in.
    if (!state || !callback.stateCookie || state.length > 200 || !safeEqual(state, callback.stateCookie)) {
      throw new SigninRefused('state_mismatch');
    }
    const record = await deps.auth.take(authKey('oidc_state', state));
    if (record?.kind !== 'oidc_state' || !record.oidc) throw new SigninRefused('state_replayed');
    if (!isAlive(record, deps.now())) throw new SigninRefused('state_expired');
    const pending = record.oidc;
    const { config, provider } = await configure(deps, settings);
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(`${new URL(settings.redirectUri).href}?${query}`),
      {
        pkceCodeVerifier: pending.code_verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
        maxAge: pending.max_age,
      },
    );
    provider.jwks = client.getJwksCache(config) ?? provider.jwks;
    const claims = tokens.claims();
    if (!claims) throw new Error('no ID token claims');
    who = { iss: claims.iss, sub: claims.sub };
    return signedInFrom(claims, settings, pending);
  } catch (error) {
    return refuse(deps, error, who);
  }
}

/**
 * Logs why a sign-in failed (with who, once the ID token was valid) and throws it as SigninRefused;
 * a misconfiguration stays an AuthError.
 */
function refuse(deps: OidcDeps, error: unknown, who?: { iss: string; sub: string }): never {
  if (error instanceof AuthError && !(error instanceof SigninRefused)) throw error;
  const { reason, message, detail } = refusalOf(error);
  const log = logOf(deps);
  if (reason === 'unknown') log.error('identity-provider sign-in failed', { reason, detail, ...who });
  else log.warn('identity-provider sign-in refused', { reason, detail, ...who });
  throw error instanceof SigninRefused ? error : new SigninRefused(reason, message);
}

/**
 * openid-client's configuration for one sign-in. Built per call from the discovered metadata, as
 * the clock skew is fixed when a configuration is made: it is set from `deps.now`, so the ID
 * token's times are checked against signoff's clock (tolerance 30 s). The signature is always
 * verified against the provider's JWKS (non-repudiation checks: openid-client trusts a token
 * endpoint's ID token on TLS alone otherwise), and only public-key algorithms are accepted.
 */
async function configure(
  deps: OidcDeps,
  settings: OidcSettings,
): Promise<{ config: client.Configuration; provider: Provider }> {
  const insecure = allowsHttp(settings.issuer);
  const provider = await discover(settings, insecure);
  const algs = provider.metadata.id_token_signing_alg_values_supported ?? ['RS256'];
  const metadata = {
    ...provider.metadata,
    id_token_signing_alg_values_supported: algs.filter((alg) => SIGNATURE_ALG.test(alg)),
  };
  const methods = provider.metadata.token_endpoint_auth_methods_supported;
  const auth =
    !methods || methods.includes('client_secret_basic')
      ? client.ClientSecretBasic(settings.clientSecret)
      : client.ClientSecretPost(settings.clientSecret);
  const config = new client.Configuration(
    metadata,
    settings.clientId,
    { [client.clockSkew]: Math.round((deps.now() - Date.now()) / 1000) },
    auth,
  );
  config.timeout = TIMEOUT_SECONDS;
  if (insecure) client.allowInsecureRequests(config);
  client.enableNonRepudiationChecks(config);
  if (provider.jwks) client.setJwksCache(config, provider.jwks);
  return { config, provider };
}

/**
 * The discovered metadata of an issuer, fetched once per process. openid-client lets Microsoft
 * Entra ID's multi-tenant endpoints name another issuer; signoff takes one tenant's only.
 */
function discover(settings: OidcSettings, insecure: boolean): Promise<Provider> {
  const cached = providers.get(settings.issuer);
  if (cached) return cached;
  const found = client
    .discovery(new URL(settings.issuer), settings.clientId, undefined, undefined, {
      execute: insecure ? [client.allowInsecureRequests] : [],
      timeout: TIMEOUT_SECONDS,
    })
    .then((config) => {
      const metadata = config.serverMetadata();
      if (new URL(metadata.issuer).href !== new URL(settings.issuer).href) {
        throw new AuthError(
          'misconfigured',
          "The identity provider's issuer must be one tenant's (not Entra ID's common or organizations).",
        );
      }
      return { metadata };
    });
  providers.set(settings.issuer, found);
  found.catch(() => {
    if (providers.get(settings.issuer) === found) providers.delete(settings.issuer);
  });
  return found;
}

/** True for an http issuer on a loopback host; throws `misconfigured` for any other non-https issuer. */
function allowsHttp(issuer: string): boolean {
  const url = URL.canParse(issuer) ? new URL(issuer) : undefined;
  if (url?.protocol === 'https:') return false;
  if (url?.protocol === 'http:' && LOOPBACK.has(url.hostname)) return true;
  throw new AuthError('misconfigured', 'The identity provider must be an https URL.');
}

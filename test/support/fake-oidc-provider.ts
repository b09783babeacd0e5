/**
 * A tiny OpenID Connect identity provider on a random loopback port, for the sign-in tests:
 * discovery, a JWKS, and a token endpoint that checks the client and the PKCE verifier as a
 * real one does. The ID token it returns is whatever the test makes of the defaults, so a test
 * can drop a claim, sign with another key or with `alg: none`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, generateKeyPair, type JWTHeaderParameters } from 'jose';

/** The client the provider knows. */
export const FAKE_CLIENT = { id: 'signoff-test', secret: 'test-client-secret-0123456789abcdef' };

/** What an ID token is made of: the test changes these and the provider signs the result. */
export interface IdTokenParts {
  header: JWTHeaderParameters;
  claims: Record<string, unknown>;
  /** The signing key; the provider's own by default. Ignored for `alg: none`. */
  key: CryptoKey | Uint8Array;
}

/** Turns the default parts into the ones a test wants (omitted fields keep their default). */
export type IdTokenRecipe = (defaults: IdTokenParts) => Partial<IdTokenParts>;

/** How the provider answers one authorization request. */
export interface AuthorizeOptions {
  /** The ID token the code will be exchanged for. */
  idToken?: IdTokenRecipe;
  /** Sends `error=<this>` back instead of a code, as when the user declines. */
  error?: string;
}

/** Options of the provider as a whole. */
export interface FakeOidcOptions {
  /** Its clock (ms) for `iat`, `exp` and `auth_time`; real time by default. */
  now?: () => number;
  /** `id_token_signing_alg_values_supported` (default `['RS256']`). */
  algs?: string[];
  /** `token_endpoint_auth_methods_supported`. */
  authMethods?: string[];
  /** The port to listen on (a random free one by default). */
  port?: number;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  recipe: IdTokenRecipe;
  used: boolean;
}

/** A running fake identity provider. */
export interface FakeOidcProvider {
  issuer: string;
  /** The provider's other RSA key, registered nowhere: a token signed with it has a bad signature. */
  strangerKey: CryptoKey;
  /** The last authorization request's parameters. */
  lastAuthorization?: URLSearchParams;
  /** How many requests reached the token endpoint. */
  tokenRequests: number;
  /** The last ID token the token endpoint returned. */
  lastIdToken?: string;
  /** Plays the browser's round trip: takes the authorization URL, returns the callback's query string. */
  authorize(url: string, options?: AuthorizeOptions): string;
  close(): Promise<void>;
}

const KID = 'fake-key-1';

/** Starts a fake identity provider on 127.0.0.1 with a fresh RS256 key. */
export async function startFakeOidcProvider(options: FakeOidcOptions = {}): Promise<FakeOidcProvider> {
  const now = options.now ?? Date.now;
  const signing = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(signing.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, PendingCode>();

  const server = createServer((req, res) => {
    void answer(req).then(
      ({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(body));
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'server_error', error_description: String(error) }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function answer(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return { status: 200, body: discoveryDocument() };
    }
    if (req.method === 'GET' && path === '/jwks') return { status: 200, body: { keys: [jwk] } };
    if (req.method === 'POST' && path === '/token') {
      provider.tokenRequests += 1;
      return token(req.headers.authorization, new URLSearchParams(await readBody(req)));
    }
    return { status: 404, body: { error: 'not_found' } };
  }

  function discoveryDocument(): Record<string, unknown> {
    return {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      id_token_signing_alg_values_supported: options.algs ?? ['RS256'],
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: options.authMethods ?? [
        'client_secret_basic',
        'client_secret_post',
      ],
    };
  }

  async function token(
    authorization: string | undefined,
    form: URLSearchParams,
  ): Promise<{ status: number; body: unknown }> {
    const client = clientOf(authorization, form);
    if (client?.id !== FAKE_CLIENT.id || client.secret !== FAKE_CLIENT.secret) {
      return { status: 401, body: { error: 'invalid_client' } };
    }
    if (form.get('grant_type') !== 'authorization_code') {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    const pending = codes.get(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (
      !pending ||
      pending.used ||
      pending.clientId !== client.id ||
      pending.redirectUri !== form.get('redirect_uri') ||
      pending.challenge !== challenge
    ) {
      if (pending) pending.used = true;
      return { status: 400, body: { error: 'invalid_grant', error_description: 'the code is not valid' } };
    }
    pending.used = true;
    provider.lastIdToken = await idToken(pending);
    return {
      status: 200,
      body: {
        access_token: randomBytes(16).toString('base64url'),
        token_type: 'Bearer',
        expires_in: 3600,
        id_token: provider.lastIdToken,
      },
    };
  }

  async function idToken(pending: PendingCode): Promise<string> {
    const seconds = Math.floor(now() / 1000);
    const defaults: IdTokenParts = {
      header: { alg: 'RS256', kid: KID, typ: 'JWT' },
      claims: {
        iss: issuer,
        sub: 'user-123',
        aud: pending.clientId,
        iat: seconds,
        exp: seconds + 300,
        auth_time: seconds - 5,
        nonce: pending.nonce,
        email: 'Alice@Acme.com',
        email_verified: true,
        name: 'Alice Lead',
        groups: ['platform', 'admins'],
        amr: ['pwd', 'mfa'],
      },
      key: signing.privateKey,
    };
    const parts = { ...defaults, ...pending.recipe(defaults) };
    const payload = new TextEncoder().encode(JSON.stringify(parts.claims));
    if (parts.header.alg === 'none') {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${encode(parts.header)}.${encode(parts.claims)}.`;
    }
    return new CompactSign(payload).setProtectedHeader(parts.header).sign(parts.key);
  }

  const provider: FakeOidcProvider = {
    issuer,
    strangerKey: stranger.privateKey,
    tokenRequests: 0,
    authorize(url, authorizeOptions = {}) {
      const request = new URL(url).searchParams;
      provider.lastAuthorization = request;
      const state = request.get('state');
      const reply = new URLSearchParams();
      if (authorizeOptions.error) {
        reply.set('error', authorizeOptions.error);
        reply.set('error_description', 'The user declined.');
      } else {
        if (request.get('response_type') !== 'code' || request.get('code_challenge_method') !== 'S256') {
          throw new Error('the fake provider only does the code flow with S256 PKCE');
        }
        const code = randomBytes(24).toString('base64url');
        codes.set(code, {
          clientId: request.get('client_id') ?? '',
          redirectUri: request.get('redirect_uri') ?? '',
          challenge: request.get('code_challenge') ?? '',
          nonce: request.get('nonce') ?? undefined,
          recipe: authorizeOptions.idToken ?? (() => ({})),
          used: false,
        });
        reply.set('code', code);
      }
      if (state !== null) reply.set('state', state);
      return reply.toString();
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return provider;
}

/** The client id and secret of a token request, from HTTP Basic or the form (RFC 6749 2.3.1). */
function clientOf(
  authorization: string | undefined,
  form: URLSearchParams,
): { id: string; secret: string } | undefined {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const unform = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id !== null && secret !== null ? { id, secret } : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The local runtime's identity provider: a real OpenID provider (panva's certified oidc-provider) on
 * loopback, with one confidential client that must use PKCE, and a page where you choose who signs
 * in (no passwords) and whether they used a second factor.
 *
 * On Node 20, oidc-provider 9 prints "WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later
 * LTS release." once, when it is first loaded; it works all the same. Its other development warnings
 * are answered by configuration (signing keys, a storage adapter, lifetimes, its pages), so that is the
 * only line it prints.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Account, Configuration, Grant, Interaction, Provider } from 'oidc-provider';
import { html, SafeHtml } from '../../web/html.ts';
import { readBody, send } from '../http-io.ts';
import { renderHelpPage, renderLoginPage, renderMessagePage } from './idp-pages.ts';
import { createMemoryAdapter } from './memory-adapter.ts';
import { generateSigningKeys, loadSigningKeys, type PrivateJwks } from './signing-keys.ts';

/** One person the local identity provider can sign in. */
export interface DevIdpAccount {
  email: string;
  name: string;
  groups: string[];
  /** Defaults to true. */
  email_verified?: boolean;
}

/** How to start the local identity provider. */
export interface DevIdpOptions {
  /** 0 picks a free port (tests); the runtime uses 8006. Always binds 127.0.0.1. */
  port: number;
  accounts: DevIdpAccount[];
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Where the signing keys (a private JWKS) are kept between starts, written with mode 0600; without it keys are generated per start. */
  keyFile?: string;
}

/** A running local identity provider. */
export interface DevIdp {
  /** The issuer URL, e.g. http://127.0.0.1:8006 (no trailing slash). */
  issuer: string;
  /** Replaces a person's groups (as if an admin changed them at the IdP); the next sign-in's ID token carries them. Throws for an unknown email. */
  setGroups(email: string, groups: string[]): void;
  close(): Promise<void>;
}

const SCOPES = 'openid email profile groups';
const HTML = 'text/html; charset=utf-8';
const MINUTE = 60;
const HOUR = 60 * MINUTE;

/** Starts the provider on 127.0.0.1 with the given people, client and (optionally) kept signing keys. */
export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  assertValidOptions(options);
  const accounts = new Map(
    options.accounts.map((account) => [
      subjectFor(account.email),
      { ...account, groups: [...account.groups] },
    ]),
  );
  const jwks = options.keyFile ? await loadSigningKeys(options.keyFile) : await generateSigningKeys();
  // Loaded here rather than at the top, so the runtime warning appears only when a provider starts.
  const { Provider, errors } = await import('oidc-provider');

  const server = createServer();
  const issuer = `http://127.0.0.1:${await listen(server, options.port)}`;
  const provider = new Provider(issuer, createConfiguration(options, accounts, jwks));
  provider.on('server_error', (_ctx, error) => console.error('Local identity provider:', error));
  const handleOidc = provider.callback();

  const pendingInteraction = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.uid !== uid)
      throw new errors.SessionNotFound('the interaction is not the one in the path');
    return interaction;
  };
  const loginPage = (interaction: Interaction, error?: string) =>
    renderLoginPage({
      uid: interaction.uid,
      clientId: options.clientId,
      accounts: [...accounts.values()],
      reasons: interaction.prompt.reasons,
      error,
    });

  const showLogin = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    const interaction = await pendingInteraction(req, res, uid);
    // A consent prompt comes only from a request with prompt=consent (loadExistingGrant grants every
    // scope); the one client is first-party, so it gets consent without a page.
    if (interaction.prompt.name === 'consent' && interaction.grantId) {
      const consent = { grantId: interaction.grantId };
      return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
    }
    send(res, 200, HTML, loginPage(interaction));
  };

  const chooseAccount = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    const interaction = await pendingInteraction(req, res, uid);
    const body = await readBody(req, 16 * 1024);
    if (!body) return send(res, 413, HTML, renderMessagePage('Too large', 'The form was too large.'));
    const form = new URLSearchParams(body.toString('utf8'));
    const email = form.get('account') ?? '';
    const accountId = subjectFor(email);
    if (!accounts.has(accountId)) {
      const error = `There is no account "${email}" here; choose one of the people below.`;
      return send(res, 400, HTML, loginPage(interaction, error));
    }
    const amr = form.get('mfa') === 'yes' ? ['pwd', 'otp'] : ['pwd'];
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId, amr } },
      { mergeWithLastSubmission: false },
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    const uid = /^\/interaction\/([\w-]+)$/.exec(path)?.[1];
    try {
      if (path === '/' && req.method === 'GET') {
        const { clientId, redirectUris } = options;
        return send(
          res,
          200,
          HTML,
          renderHelpPage({ issuer, clientId, redirectUris, accounts: [...accounts.values()] }),
        );
      }
      if (!uid) return handleOidc(req, res);
      if (req.method === 'GET') return await showLogin(req, res, uid);
      if (req.method === 'POST') return await chooseAccount(req, res, uid);
      res.setHeader('allow', 'GET, POST');
      return send(res, 405, HTML, renderMessagePage('Method not allowed', 'Use GET or POST here.'));
    } catch (error) {
      if (error instanceof errors.SessionNotFound) {
        const message =
          'This sign-in request has expired or is finished. Go back to the application and sign in again.';
        return send(res, 400, HTML, renderMessagePage('Sign-in expired', message));
      }
      console.error('Local identity provider:', error);
      return send(res, 500, HTML, renderMessagePage('Something went wrong', 'The error is in the log.'));
    }
  };
  server.on('request', (req, res) => void handle(req, res));

  return {
    issuer,
    setGroups(email, groups) {
      const account = accounts.get(subjectFor(email));
      if (!account) throw new Error(`The local identity provider has no account ${email}`);
      account.groups = [...groups];
    },
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}

function createConfiguration(
  options: DevIdpOptions,
  accounts: Map<string, DevIdpAccount>,
  jwks: PrivateJwks,
): Configuration {
  return {
    adapter: createMemoryAdapter(),
    jwks,
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        // Otherwise auth_time is in the ID token only when the request has max_age or prompt=login.
        require_auth_time: true,
      },
    ],
    pkce: { required: () => true },
    scopes: SCOPES.split(' '),
    claims: {
      openid: ['sub', 'amr', 'acr'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    // By default the ID token carries only the openid scope's claims when there is a userinfo endpoint.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub): Promise<Account | undefined> {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        // Read when a token is issued, so groups changed by setGroups show in the next sign-in.
        async claims() {
          const { email, name, groups } = account;
          return { sub, email, email_verified: account.email_verified ?? true, name, groups: [...groups] };
        },
      };
    },
    // The one client is first-party: it gets every scope without a consent page.
    async loadExistingGrant(ctx) {
      const { client, session, provider } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await provider.Grant.find(grantId) : undefined;
      return existing ?? (await grantEverything(provider, client.clientId, session.accountId));
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        async logoutSource(ctx, form) {
          // `form` is oidc-provider's own markup (a hidden form carrying its anti-forgery token).
          const buttons = html`${new SafeHtml(form)}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`;
          ctx.type = 'html';
          ctx.body = renderMessagePage('Sign out', 'Sign out of the local identity provider?', buttons);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = renderMessagePage('Signed out', 'You are signed out of the local identity provider.');
        },
      },
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      const detail = html`<p><code>${out.error ?? 'error'}</code></p>`;
      ctx.body = renderMessagePage(
        'Sign-in failed',
        out.error_description ?? 'The request was refused.',
        detail,
      );
    },
    // The default cookie names (_session, _interaction, ...) stay clear of the web app's signoff_*
    // cookies on the same host (browsers ignore ports). A new key per start signs everyone out.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: {
      AccessToken: 10 * MINUTE,
      AuthorizationCode: MINUTE,
      IdToken: 10 * MINUTE,
      Interaction: 10 * MINUTE,
      Session: HOUR,
      Grant: HOUR,
    },
  };
}

async function grantEverything(provider: Provider, clientId: string, accountId: string): Promise<Grant> {
  const grant = new provider.Grant({ clientId, accountId });
  // amr and acr come with the openid scope (the claims option above), so no claim is named here.
  grant.addOIDCScope(SCOPES);
  await grant.save();
  return grant;
}

/** The subject for an email: the same across restarts, and not the email itself. */
function subjectFor(email: string): string {
  return `dev-${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 16)}`;
}

function assertValidOptions(options: DevIdpOptions): void {
  const problems: string[] = [];
  if (options.accounts.length === 0) problems.push('accounts: at least one person is needed');
  const seen = new Set<string>();
  options.accounts.forEach((account, i) => {
    const subject = subjectFor(account.email);
    if (!account.email.includes('@'))
      problems.push(`accounts[${i}].email: "${account.email}" is not an email`);
    else if (seen.has(subject)) problems.push(`accounts[${i}].email: ${account.email} is listed twice`);
    seen.add(subject);
  });
  if (options.redirectUris.length === 0) problems.push('redirectUris: at least one is needed');
  if (problems.length > 0)
    throw new Error(`Invalid local identity provider options:\n- ${problems.join('\n- ')}`);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

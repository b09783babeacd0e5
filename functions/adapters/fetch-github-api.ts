/**
 * GitHubApi over `fetch`, as a GitHub App: the app's JWT, signed with its private key, finds the
 * repository's installation and buys an installation token, and every call is made with that
 * token (cached until shortly before it expires). Tokens travel only in the Authorization header,
 * never in a URL, a log line or an error.
 */
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import {
  type CheckRunFields,
  type GitHubApi,
  GitHubApiError,
  type RepositoryName,
} from '../core/github/github-api.ts';

/** A GitHub call waits at most this long. */
const CALL_TIMEOUT_MS = 10_000;
/** An installation token is used until this long before it expires (they last an hour). */
const TOKEN_MARGIN_MS = 5 * 60_000;

/** Where the app's credentials come from (the secrets store) and which API it calls. */
export interface GitHubAppCredentials {
  appId: string;
  privateKey: string;
}

/** GitHub's REST API as one GitHub App. */
export class FetchGitHubApi implements GitHubApi {
  private readonly appJwt: () => Promise<string>;
  private readonly installations = new Map<string, number>();
  private readonly tokens = new Map<number, { token: string; expiresAt: number }>();

  constructor(
    credentials: GitHubAppCredentials,
    private readonly apiUrl = 'https://api.github.com',
    private readonly now: () => number = Date.now,
  ) {
    let key: KeyObject | undefined;
    this.appJwt = async () => {
      key ??= privateKeyOf(credentials.privateKey);
      return signAppJwt(credentials.appId, key, this.now());
    };
  }

  async createCheckRun(repository: RepositoryName, headSha: string, check: CheckRunFields): Promise<number> {
    const created = await this.call(repository, 'POST', `/repos/${repository}/check-runs`, {
      ...check,
      head_sha: headSha,
    });
    return idOf(created);
  }

  async updateCheckRun(repository: RepositoryName, checkRunId: number, check: CheckRunFields): Promise<void> {
    await this.call(repository, 'PATCH', `/repos/${repository}/check-runs/${checkRunId}`, check);
  }

  async createComment(repository: RepositoryName, pullNumber: number, body: string): Promise<number> {
    return idOf(
      await this.call(repository, 'POST', `/repos/${repository}/issues/${pullNumber}/comments`, { body }),
    );
  }

  async updateComment(repository: RepositoryName, commentId: number, body: string): Promise<void> {
    await this.call(repository, 'PATCH', `/repos/${repository}/issues/comments/${commentId}`, { body });
  }

  /** One call as the repository's installation; a 401 forgets the token and the installation. */
  private async call(repository: string, method: string, path: string, body: unknown): Promise<unknown> {
    const installation = await this.installationOf(repository);
    const token = await this.installationToken(installation);
    try {
      return await this.send(method, path, `token ${token}`, body);
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 401) {
        this.tokens.delete(installation);
        this.installations.delete(repository.toLowerCase());
      }
      throw error;
    }
  }

  private async installationOf(repository: string): Promise<number> {
    const key = repository.toLowerCase();
    const known = this.installations.get(key);
    if (known !== undefined) return known;
    const found = idOf(
      await this.send('GET', `/repos/${repository}/installation`, `Bearer ${await this.appJwt()}`),
    );
    this.installations.set(key, found);
    return found;
  }

  private async installationToken(installation: number): Promise<string> {
    const cached = this.tokens.get(installation);
    if (cached && cached.expiresAt - TOKEN_MARGIN_MS > this.now()) return cached.token;
    const answer = (await this.send(
      'POST',
      `/app/installations/${installation}/access_tokens`,
      `Bearer ${await this.appJwt()}`,
    )) as { token?: unknown; expires_at?: unknown };
    if (typeof answer.token !== 'string')
      throw new GitHubApiError('GitHub sent no installation token', undefined);
    const expiresAt = typeof answer.expires_at === 'string' ? Date.parse(answer.expires_at) : this.now();
    this.tokens.set(installation, { token: answer.token, expiresAt });
    return answer.token;
  }

  private async send(method: string, path: string, authorization: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.apiUrl}${path}`, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization,
          'user-agent': 'signoff',
          'x-github-api-version': '2022-11-28',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      const why =
        (error as Error).name === 'TimeoutError'
          ? `timed out after ${CALL_TIMEOUT_MS} ms`
          : 'could not connect';
      throw new GitHubApiError(`${method} ${path} ${why}`, undefined);
    }
    const text = await response.text();
    if (response.ok) return text ? (JSON.parse(text) as unknown) : undefined;
    throw new GitHubApiError(
      `GitHub answered ${response.status} to ${method} ${path}${messageOf(text)}`,
      response.status,
      retryAfterOf(response, this.now()),
    );
  }
}

function idOf(answer: unknown): number {
  const id = (answer as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'number') throw new GitHubApiError('GitHub answered without an id', undefined);
  return id;
}

/** GitHub's own words (`message`, and the first validation error), cut short. */
function messageOf(text: string): string {
  try {
    const answer = JSON.parse(text) as {
      message?: unknown;
      errors?: { message?: unknown; field?: unknown }[];
    };
    const first = answer.errors?.[0];
    const detail = first
      ? ` (${String(first.field ?? '')}${first.message ? ` ${String(first.message)}` : ''})`
      : '';
    return typeof answer.message === 'string' ? `: ${answer.message.slice(0, 200)}${detail}` : '';
  } catch {
    return '';
  }
}

/**
 * When to try again, as GitHub's docs say: after `retry-after` seconds when present, else, with
 * `x-ratelimit-remaining: 0`, at `x-ratelimit-reset` (epoch seconds)
 * (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately).
 */
function retryAfterOf(response: Response, now: number): number | undefined {
  const retryAfter = Number(response.headers.get('retry-after'));
  if (response.headers.has('retry-after') && Number.isFinite(retryAfter)) return Math.max(0, retryAfter);
  if (response.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    if (Number.isFinite(reset)) return Math.max(0, Math.ceil(reset - now / 1000));
  }
  return undefined;
}

/** The app's private key (GitHub hands out PKCS#1 PEM; PKCS#8 works too); never quoted in an error. */
function privateKeyOf(pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new GitHubApiError('the GitHub App private key is not a PEM private key', undefined);
  }
}

/**
 * The app's JWT as GitHub documents it ("Generating a JSON Web Token (JWT) for a GitHub App"):
 * RS256, issued 60 seconds in the past against clock drift, expiring within 10 minutes (here 9),
 * issued by the app.
 */
export function signAppJwt(appId: string, key: KeyObject, now: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now / 1000) - 60;
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat, exp: iat + 9 * 60, iss: appId })}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url')}`;
}

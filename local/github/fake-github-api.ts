/**
 * A small stand-in for the GitHub REST API (the calls signoff makes as a GitHub App), on
 * 127.0.0.1. It is no kinder than GitHub: app calls need a JWT signed (RS256) with the app's
 * private key; installation tokens are checked on every call and stop working (401 "Bad
 * credentials") once the app is uninstalled; bodies are checked against GitHub's request shapes
 * (422 "Validation Failed", github-request-shapes.ts); every answer carries the rate-limit headers,
 * and a rate-limited call answers 403 with `retry-after` and `x-ratelimit-remaining: 0`
 * (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api). It keeps the
 * check runs and comments it was sent, with every edit, for `/dev/github` and the tests.
 */
import { createPublicKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { readBody } from '../http-io.ts';
import {
  checkComment,
  checkCreateCheckRun,
  checkUpdateCheckRun,
  type ValidationError,
} from './github-request-shapes.ts';

/** A check run as the fake keeps it; `history` holds every state it was set to, oldest first. */
export interface FakeCheckRun {
  id: number;
  repository: string;
  head_sha: string;
  name: string;
  status: string;
  conclusion?: string;
  details_url?: string;
  external_id?: string;
  output?: { title: string; summary: string; text?: string };
  history: { status: string; conclusion?: string; title?: string }[];
}

/** A pull request comment as the fake keeps it; `edits` counts the PATCHes. */
export interface FakeComment {
  id: number;
  repository: string;
  issue_number: number;
  body: string;
  edits: number;
}

/** Options of `startFakeGitHubApi`. */
export interface FakeGitHubOptions {
  appId: string;
  /** The app's private key (PEM); the fake checks JWTs with its public half. */
  privateKey: string;
  /** Repositories the app is installed on (`owner/name`); any repository when unset. */
  repositories?: string[];
  /** Keeps the check runs and comments in this JSON file across restarts. */
  dataFile?: string;
  port?: number;
}

/** A running fake. */
export interface FakeGitHubApi {
  apiUrl: string;
  checkRuns: FakeCheckRun[];
  comments: FakeComment[];
  /** The next `count` calls to the REST API (not the token calls) answer 403 rate-limited. */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  /** The next `count` calls answer `status` (an outage: 500, 502, 503). */
  failNext(count: number, status: number): void;
  /** Uninstalls the app from a repository: its tokens answer 401, its installation 404. */
  uninstall(repository: string): void;
  /** Installs the app on a repository again: a new installation, as on GitHub. */
  install(repository: string): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** The primary rate limit of an installation's token: 5,000 requests an hour. */
const RATE_LIMIT = 5000;

/** Starts the fake on a random (or the given) loopback port. */
export async function startFakeGitHubApi(options: FakeGitHubOptions): Promise<FakeGitHubApi> {
  const publicKey = createPublicKey(options.privateKey);
  const saved =
    options.dataFile && existsSync(options.dataFile)
      ? (JSON.parse(readFileSync(options.dataFile, 'utf8')) as {
          checkRuns: FakeCheckRun[];
          comments: FakeComment[];
        })
      : { checkRuns: [], comments: [] };
  const { checkRuns, comments } = saved;
  const save = () => {
    if (!options.dataFile) return;
    const tmp = `${options.dataFile}.${randomUUID()}.tmp`;
    writeFileSync(tmp, JSON.stringify({ checkRuns, comments }));
    renameSync(tmp, options.dataFile);
  };
  const installed = new Set((options.repositories ?? []).map((r) => r.toLowerCase()));
  const uninstalled = new Set<string>();
  const installations = new Map<string, number>();
  let nextInstallation = 1000;
  const tokens = new Map<string, { installation: number; expiresAt: number }>();
  let nextId = Math.max(0, ...checkRuns.map((c) => c.id), ...comments.map((c) => c.id)) + 1;
  let used = 0;
  let rateLimited = { count: 0, retryAfter: 0 };
  let failing = { count: 0, status: 500 };

  const installationOf = (repository: string): number | undefined => {
    const key = repository.toLowerCase();
    if (uninstalled.has(key) || (options.repositories && !installed.has(key))) return undefined;
    let id = installations.get(key);
    if (id === undefined) {
      id = nextInstallation++;
      installations.set(key, id);
    }
    return id;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const auth = req.headers.authorization ?? '';
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === undefined) return answer(res, 413, { message: 'Payload too large' });
    let body: Record<string, unknown> = {};
    try {
      if (raw.length > 0) body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return answer(res, 400, { message: 'Problems parsing JSON' });
    }

    // App endpoints: a JWT the app signed, at most 10 minutes long (Authenticating as a GitHub App).
    let match = url.pathname.match(/^\/repos\/([^/]+\/[^/]+)\/installation$/);
    if (match && method === 'GET') {
      if (!(await isAppJwt(auth, publicKey, options.appId))) return answer(res, 401, badCredentials);
      const id = installationOf(decodeURIComponent(match[1] ?? ''));
      return id === undefined
        ? answer(res, 404, notFound)
        : answer(res, 200, { id, app_id: Number(options.appId) });
    }
    match = url.pathname.match(/^\/app\/installations\/(\d+)\/access_tokens$/);
    if (match && method === 'POST') {
      if (!(await isAppJwt(auth, publicKey, options.appId))) return answer(res, 401, badCredentials);
      const installation = Number(match[1]);
      const repository = [...installations].find(([, id]) => id === installation)?.[0];
      if (!repository || uninstalled.has(repository)) return answer(res, 404, notFound);
      const token = `ghs_${randomBytes(18).toString('base64url')}`;
      const expiresAt = Date.now() + 3600_000;
      tokens.set(token, { installation, expiresAt });
      return answer(res, 201, { token, expires_at: new Date(expiresAt).toISOString() });
    }

    // Everything else needs an installation token of the repository's installation.
    const repository = url.pathname.match(/^\/repos\/([^/]+\/[^/]+)\//)?.[1];
    const presented = tokens.get(auth.replace(/^(token|Bearer) /, ''));
    const installation = repository ? installationOf(repository) : undefined;
    if (
      !repository ||
      !presented ||
      presented.expiresAt < Date.now() ||
      presented.installation !== installation
    )
      return answer(res, 401, badCredentials);
    used += 1;
    if (rateLimited.count > 0) {
      rateLimited.count -= 1;
      return answer(
        res,
        403,
        {
          message: 'API rate limit exceeded for installation.',
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        },
        { 'retry-after': String(rateLimited.retryAfter), remaining: 0 },
      );
    }
    if (failing.count > 0) {
      failing.count -= 1;
      return answer(res, failing.status, { message: 'Server Error' });
    }
    const rest = url.pathname.slice(`/repos/${repository}`.length);

    if (rest === '/check-runs' && method === 'POST') {
      const problems = checkCreateCheckRun(body);
      if (problems.length > 0) return validationFailed(res, problems);
      if (!/^[0-9a-f]{40}$/.test(String(body.head_sha)))
        return validationFailed(res, [{ resource: 'CheckRun', field: 'head_sha', code: 'invalid' }]);
      const run: FakeCheckRun = {
        id: nextId++,
        repository,
        head_sha: String(body.head_sha),
        name: String(body.name),
        status: 'queued',
        history: [],
      };
      apply(run, body);
      checkRuns.push(run);
      save();
      return answer(res, 201, view(run));
    }
    match = rest.match(/^\/check-runs\/(\d+)$/);
    if (match && method === 'PATCH') {
      const run = checkRuns.find((c) => c.id === Number(match?.[1]) && c.repository === repository);
      if (!run) return answer(res, 404, notFound);
      const problems = checkUpdateCheckRun(body);
      if (problems.length > 0) return validationFailed(res, problems);
      apply(run, body);
      save();
      return answer(res, 200, view(run));
    }
    match = rest.match(/^\/issues\/(\d+)\/comments$/);
    if (match && method === 'POST') {
      const problems = checkComment(body);
      if (problems.length > 0) return validationFailed(res, problems);
      const comment: FakeComment = {
        id: nextId++,
        repository,
        issue_number: Number(match[1]),
        body: String(body.body),
        edits: 0,
      };
      comments.push(comment);
      save();
      return answer(res, 201, comment);
    }
    match = rest.match(/^\/issues\/comments\/(\d+)$/);
    if (match && method === 'PATCH') {
      const comment = comments.find((c) => c.id === Number(match?.[1]) && c.repository === repository);
      if (!comment) return answer(res, 404, notFound);
      const problems = checkComment(body);
      if (problems.length > 0) return validationFailed(res, problems);
      comment.body = String(body.body);
      comment.edits += 1;
      save();
      return answer(res, 200, comment);
    }
    return answer(res, 404, notFound);
  };

  // Every answer carries the primary rate limit's headers, as GitHub's do.
  const answer = (
    res: ServerResponse,
    status: number,
    payload: unknown,
    extra: { 'retry-after'?: string; remaining?: number } = {},
  ) => {
    const { remaining, ...headers } = extra;
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(remaining ?? Math.max(0, RATE_LIMIT - used)),
      'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      ...headers,
    });
    res.end(JSON.stringify(payload));
  };
  const validationFailed = (res: ServerResponse, errors: ValidationError[]) =>
    answer(res, 422, {
      message: 'Validation Failed',
      errors,
      documentation_url: 'https://docs.github.com/rest',
    });

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) answer(res, 500, { message: 'Server Error' });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    checkRuns,
    comments,
    rateLimitNext: (count, retryAfter) => {
      rateLimited = { count, retryAfter };
    },
    failNext: (count, status) => {
      failing = { count, status };
    },
    uninstall: (repository) => {
      uninstalled.add(repository.toLowerCase());
      const id = installations.get(repository.toLowerCase());
      for (const [token, held] of tokens) if (held.installation === id) tokens.delete(token);
    },
    install: (repository) => {
      const key = repository.toLowerCase();
      uninstalled.delete(key);
      installed.add(key);
      installations.delete(key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const badCredentials = { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' };
const notFound = { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' };

async function isAppJwt(authorization: string, key: KeyObject, appId: string): Promise<boolean> {
  const jwt = authorization.match(/^Bearer (\S+)$/)?.[1];
  if (!jwt) return false;
  try {
    const { payload } = await jwtVerify(jwt, key, {
      algorithms: ['RS256'],
      issuer: appId,
      clockTolerance: 60,
    });
    return (
      typeof payload.exp === 'number' && typeof payload.iat === 'number' && payload.exp - payload.iat <= 660
    );
  } catch {
    return false;
  }
}

function apply(run: FakeCheckRun, body: Record<string, unknown>): void {
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.status === 'string') run.status = body.status;
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion;
    run.status = 'completed'; // "Providing conclusion will automatically set the status parameter to completed."
  }
  if (typeof body.details_url === 'string') run.details_url = body.details_url;
  if (typeof body.external_id === 'string') run.external_id = body.external_id;
  if (body.output) run.output = body.output as FakeCheckRun['output'];
  run.history.push({
    status: run.status,
    ...(run.conclusion ? { conclusion: run.conclusion } : {}),
    ...(run.output?.title ? { title: run.output.title } : {}),
  });
}

function view(run: FakeCheckRun) {
  const { history: _history, ...rest } = run;
  return { ...rest, html_url: `https://github.com/${run.repository}/runs/${run.id}` };
}

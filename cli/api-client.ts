/** The CLI's client for signoff's JSON API: the local runtime by default, or `--endpoint`. */
import { CliError, readLocalState } from './workspace.ts';

/** Options every API command takes. */
export interface ApiOptions {
  endpoint?: string;
  as?: string;
  token?: string;
}

/**
 * Who a command acts as when neither `--as`, `--token` nor SIGNOFF_TOKEN says: a command that
 * only reads (`runs`, `locks`, `audit`, `audit verify`) uses the local runtime's default identity,
 * its read-only user (see `defaultIdentity` in local/local-tokens.ts). A command that acts for a
 * person uses the only one of `candidates` there is, or names them all in its error.
 */
export type Acting = { reads: true } | { reads: false; candidates?: string[]; of?: string };

/** True when the caller said who they are (`--as`, `--token` or SIGNOFF_TOKEN). */
export function saidWho(options: ApiOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(options.as || options.token || env.SIGNOFF_TOKEN);
}

/** A configured client: `get`/`post` return parsed JSON or throw a CliError with the server's message. */
export function apiClient(
  options: ApiOptions,
  acting: Acting = { reads: false },
  env: NodeJS.ProcessEnv = process.env,
) {
  const runtime = readLocalState('runtime.json');
  const endpoint = (
    options.endpoint ||
    env.SIGNOFF_ENDPOINT ||
    (typeof runtime?.url === 'string' ? runtime.url : `http://127.0.0.1:${env.SIGNOFF_PORT ?? 3000}`)
  ).replace(/\/+$/, '');
  let token = options.token || env.SIGNOFF_TOKEN;
  const as = token
    ? options.as
    : (options.as ?? localIdentity(acting, runtime, options.endpoint || env.SIGNOFF_ENDPOINT || undefined));
  if (!token && as) {
    const tokens = readLocalState('tokens.json');
    const found = tokens?.[as.toLowerCase()];
    if (typeof found !== 'string') {
      throw new CliError(
        `no local API token for ${as} (tokens are in .signoff/tokens.json once npm start has run; directory users only)`,
      );
    }
    token = found;
  }

  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    if (!token) throw new CliError(whoToBe(acting));
    let response: Response;
    try {
      response = await fetch(`${endpoint}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'x-signoff-client': 'cli',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new CliError(
        `nothing answers at ${endpoint}; is the local runtime running (npm start), or is --endpoint right?`,
      );
    }
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const parsed = type.includes('json') && text ? (JSON.parse(text) as unknown) : text;
    if (!response.ok) {
      const message =
        (parsed as { message?: string })?.message ??
        (typeof parsed === 'string' ? parsed : response.statusText);
      throw new CliError(`${response.status}: ${message}`);
    }
    return parsed;
  }

  return {
    endpoint,
    get: (path: string) => request('GET', path),
    post: (path: string, body: unknown) => request('POST', path, body),
  };
}

/** The identity a command without `--as` takes against the local runtime, or undefined. */
function localIdentity(
  acting: Acting,
  runtime: Record<string, unknown> | undefined,
  endpoint: string | undefined,
): string | undefined {
  // Another server's users are not the local runtime's: there, say who you are.
  if (endpoint !== undefined && endpoint.replace(/\/+$/, '') !== runtime?.url) return undefined;
  if (acting.reads)
    return typeof runtime?.default_identity === 'string' ? runtime.default_identity : undefined;
  if (acting.candidates?.length === 1) {
    process.stderr.write(
      `signoff: acting as ${acting.candidates[0]}, the only one of ${acting.of ?? 'those who may'}\n`,
    );
    return acting.candidates[0];
  }
  return undefined;
}

/** The error for a command that does not know who it acts for: names who could be picked. */
function whoToBe(acting: Acting): string {
  const base = 'say who you are: --as EMAIL (local runtime), or --token / SIGNOFF_TOKEN';
  if (acting.reads) return base;
  if (acting.candidates && acting.candidates.length > 1)
    return `${base}; ${acting.of ?? 'those who may'}: ${acting.candidates.join(', ')}`;
  const tokens = readLocalState('tokens.json');
  return tokens ? `${base}; the local runtime's people: ${Object.keys(tokens).join(', ')}` : base;
}

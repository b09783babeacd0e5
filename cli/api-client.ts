/** The CLI's client for signoff's JSON API: the local runtime by default, or `--endpoint`. */
import { CliError, readLocalState } from './workspace.ts';

/** Options every API command takes. */
export interface ApiOptions {
  endpoint?: string;
  as?: string;
  token?: string;
}

/** A configured client: `get`/`post` return parsed JSON or throw a CliError with the server's message. */
export function apiClient(options: ApiOptions, env: NodeJS.ProcessEnv = process.env) {
  const runtime = readLocalState('runtime.json');
  const endpoint = (
    options.endpoint ??
    env.SIGNOFF_ENDPOINT ??
    (typeof runtime?.url === 'string' ? runtime.url : `http://127.0.0.1:${env.SIGNOFF_PORT ?? 3000}`)
  ).replace(/\/+$/, '');
  let token = options.token ?? env.SIGNOFF_TOKEN;
  if (!token && options.as) {
    const tokens = readLocalState('tokens.json');
    const found = tokens?.[options.as.toLowerCase()];
    if (typeof found !== 'string') {
      throw new CliError(
        `no local API token for ${options.as} (tokens are in .signoff/tokens.json once npm start has run; directory users only)`,
      );
    }
    token = found;
  }

  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    if (!token) throw new CliError('say who you are: --as EMAIL (local runtime), or --token / SIGNOFF_TOKEN');
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

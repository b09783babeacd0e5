/**
 * The one Slack Web API client: the five methods signoff calls, on `fetch`. The bot token comes
 * from Secrets (`slack-bot-token`), the API URL from options (a fake Slack server in tests and the
 * local runtime), and retries are short, because a Lambda has seconds.
 *
 * It stands in for @slack/web-api's WebClient, whose 60 KB (with p-queue, eventemitter3 and retry)
 * were a sixth of the Slack handler's size budget for these five calls. It keeps WebClient's error
 * shape (`code`, `data.error`, `retryAfter`, `statusCode`), and the fake Slack API it is tested
 * against is itself checked with WebClient (test/integration/slack/fake-slack-api.test.ts).
 *
 * The protocol, as Slack documents the Web API (docs.slack.dev/apis/web-api):
 * - a call is an HTTP POST to `<base>/<method>` with the token in `Authorization: Bearer`, its
 *   arguments form-encoded (which every method accepts; objects such as `blocks` as JSON text);
 * - the answer is JSON with `ok`; `ok: false` carries Slack's error code (`channel_not_found`);
 * - a rate-limited call is answered HTTP 429 with `Retry-After` in seconds
 *   (docs.slack.dev/apis/web-api/rate-limits). It is not retried here: waiting out a rate limit
 *   inside a 3 s ack, or a drain, helps nobody; the outbox or the caller tries again later.
 */
import type { Secrets } from '../core/ports.ts';

/** The Secrets name of the Slack app's bot token. */
export const SLACK_BOT_TOKEN = 'slack-bot-token';

/** How the client is built. */
export interface SlackClientOptions {
  secrets: Pick<Secrets, 'get'>;
  /** Base URL of the Web API, ending in `/` (default: Slack's). */
  slackApiUrl?: string;
  /** Retries of a call that failed on the network or with HTTP 5xx (default 2; tests use 0). */
  retries?: number;
  /** Per-request timeout in ms (default 5000). */
  timeoutMs?: number;
}

const SLACK_API_URL = 'https://slack.com/api/';

/** What a message holds (chat.postMessage, chat.update). */
export interface SlackMessageArgs {
  text: string;
  blocks?: readonly unknown[];
}

/** The Slack methods signoff calls, with the arguments and answers it uses. */
export interface SlackWebClient {
  chat: {
    postMessage(
      args: SlackMessageArgs & { channel: string; unfurl_links?: boolean },
    ): Promise<{ channel?: string; ts?: string }>;
    update(args: SlackMessageArgs & { channel: string; ts: string }): Promise<unknown>;
    postEphemeral(args: { channel: string; user: string; text: string }): Promise<unknown>;
  };
  conversations: { open(args: { users: string }): Promise<{ channel?: { id?: string } }> };
  users: { info(args: { user: string }): Promise<{ user?: { profile?: { email?: string } } }> };
}

/** Gives the client for the current bot token, or undefined when no token is configured. */
export type SlackClientProvider = () => Promise<SlackWebClient | undefined>;

/** The kinds of failure, named as @slack/web-api names them. */
export type SlackErrorCode =
  | 'slack_webapi_platform_error'
  | 'slack_webapi_rate_limited_error'
  | 'slack_webapi_http_error'
  | 'slack_webapi_request_error';

/** A failed call. The message names the method and Slack's code, never the token or the arguments. */
export class SlackApiError extends Error {
  override readonly name = 'SlackApiError';
  /** Slack's answer to a platform error (`{ ok: false, error }`). */
  readonly data: { ok: false; error: string } | undefined;
  /** Seconds Slack asked to wait, on a rate-limited call. */
  readonly retryAfter: number | undefined;
  readonly statusCode: number | undefined;

  constructor(
    readonly code: SlackErrorCode,
    message: string,
    details: { data?: { ok: false; error: string }; retryAfter?: number; statusCode?: number } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.data = details.data;
    this.retryAfter = details.retryAfter;
    this.statusCode = details.statusCode;
  }
}

/** Arguments as a form: strings as they are, objects and arrays as JSON, undefined left out. */
function formOf(args: object): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    form.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return form;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds a client for one token. */
export function createSlackWebClient(
  token: string,
  options: Omit<SlackClientOptions, 'secrets'> = {},
): SlackWebClient {
  const base = options.slackApiUrl ?? SLACK_API_URL;
  const retries = options.retries ?? 2;
  const timeoutMs = options.timeoutMs ?? 5000;

  const once = async (method: string, args: object): Promise<Record<string, unknown>> => {
    let response: Response;
    try {
      response = await fetch(new URL(method, base), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: formOf(args),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const what = error instanceof Error ? error.name : typeof error;
      throw new SlackApiError(
        'slack_webapi_request_error',
        `${method}: request failed (${what})`,
        {},
        {
          cause: error,
        },
      );
    }
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'));
      await response.body?.cancel();
      throw new SlackApiError('slack_webapi_rate_limited_error', `${method}: rate limited by Slack`, {
        ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfter } : {}),
        statusCode: 429,
      });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new SlackApiError(
        'slack_webapi_http_error',
        `${method}: Slack answered HTTP ${response.status}`,
        {
          statusCode: response.status,
        },
      );
    }
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (body?.ok !== true) {
      const error = typeof body?.error === 'string' ? body.error : 'invalid_response';
      throw new SlackApiError('slack_webapi_platform_error', `${method}: ${error}`, {
        data: { ok: false, error },
      });
    }
    return body;
  };

  /** Network failures, timeouts and 5xx are tried again; Slack's own refusals and 429 are not. */
  const call = async <T>(method: string, args: object): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return (await once(method, args)) as T;
      } catch (error) {
        const transient =
          error instanceof SlackApiError &&
          (error.code === 'slack_webapi_request_error' ||
            (error.code === 'slack_webapi_http_error' && (error.statusCode ?? 0) >= 500));
        if (!transient || attempt >= retries) throw error;
        await sleep(Math.min(200 * 2 ** attempt, 1000));
      }
    }
  };

  return {
    chat: {
      postMessage: (args) => call('chat.postMessage', args),
      update: (args) => call('chat.update', args),
      postEphemeral: (args) => call('chat.postEphemeral', args),
    },
    conversations: { open: (args) => call('conversations.open', args) },
    users: { info: (args) => call('users.info', args) },
  };
}

/** Builds the provider; the client is made once per token value (a rotated token gets a new one). */
export function createSlackClientProvider(options: SlackClientOptions): SlackClientProvider {
  let current: { token: string; client: SlackWebClient } | undefined;
  return async () => {
    const token = await options.secrets.get(SLACK_BOT_TOKEN);
    if (!token) return undefined;
    if (current?.token !== token) {
      current = {
        token,
        client: createSlackWebClient(token, {
          ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
          ...(options.retries !== undefined ? { retries: options.retries } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        }),
      };
    }
    return current.client;
  };
}

/** What may be logged about a failed Slack call: the error's code and Slack's error string, never the request. */
export function describeSlackError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: typeof error };
  const coded = error as Error & { code?: unknown; data?: { error?: unknown } };
  return {
    error: error.name,
    ...(typeof coded.code === 'string' ? { code: coded.code } : {}),
    ...(typeof coded.data?.error === 'string' ? { slack_error: coded.data.error } : {}),
  };
}

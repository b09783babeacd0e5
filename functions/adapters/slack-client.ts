/**
 * The one place a Slack WebClient is built: the bot token comes from Secrets (`slack-bot-token`),
 * the API URL from options (a fake Slack server in tests and the local runtime), and retries are
 * short, because a Lambda has seconds, not the client's default half hour.
 */
import { type Logger, LogLevel, type RetryOptions, WebClient } from '@slack/web-api';
import type { Secrets } from '../core/ports.ts';

/** The Secrets name of the Slack app's bot token. */
export const SLACK_BOT_TOKEN = 'slack-bot-token';

/** How the WebClient is built. */
export interface SlackClientOptions {
  secrets: Pick<Secrets, 'get'>;
  /** Base URL of the Web API, ending in `/` (default: Slack's). */
  slackApiUrl?: string;
  /** Retries of a failed call (default 2; tests use 0). */
  retries?: number;
  /** Per-request timeout in ms (default 5000). */
  timeoutMs?: number;
}

/** Gives the WebClient for the current bot token, or undefined when no token is configured. */
export type SlackClientProvider = () => Promise<WebClient | undefined>;

/** A logger that drops the client's own lines: signoff logs failures itself, without arguments. */
const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

/** Builds the provider; the client is made once per token value (a rotated token gets a new one). */
export function createSlackClientProvider(options: SlackClientOptions): SlackClientProvider {
  let current: { token: string; client: WebClient } | undefined;
  const retries = options.retries ?? 2;
  const retryConfig: RetryOptions = { retries, factor: 2, minTimeout: 200, maxTimeout: 1000 };
  return async () => {
    const token = await options.secrets.get(SLACK_BOT_TOKEN);
    if (!token) return undefined;
    if (current?.token !== token) {
      current = {
        token,
        client: new WebClient(token, {
          ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
          retryConfig,
          timeout: options.timeoutMs ?? 5000,
          rejectRateLimitedCalls: true,
          // Method names are fixed strings, but never let one become a URL elsewhere.
          allowAbsoluteUrls: false,
          logger: silent,
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

/** The Slack Web API as the interactions handler uses it: short timeouts, one retry, inside Slack's 3 s. */
import { createSlackClientProvider } from '../adapters/slack-client.ts';
import { SlackWebApi } from '../adapters/slack-web-api.ts';
import type { Config } from '../config.ts';
import type { Clock, Secrets } from '../core/ports.ts';
import type { SlackApi } from '../core/slack/slack-api.ts';

/** Slack calls from the interactions handler wait at most this long each. */
const SLACK_CALL_TIMEOUT_MS = 1200;

export function createInteractionSlackApi(
  config: Pick<Config, 'slackApiUrl'>,
  parts: { secrets: Pick<Secrets, 'get'>; now: Clock },
): SlackApi {
  const client = createSlackClientProvider({
    secrets: parts.secrets,
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    retries: 1,
    timeoutMs: SLACK_CALL_TIMEOUT_MS,
  });
  return new SlackWebApi(client, parts.now);
}

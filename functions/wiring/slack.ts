/** The Slack Web API as the interactions handler uses it: short timeouts, one retry, inside Slack's 3 s. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createSlackAdapters } from '../adapters/slack-adapters.ts';
import type { Config } from '../config.ts';
import type { Clock, LogPort, Secrets } from '../core/ports.ts';
import type { SlackApi } from '../core/slack/slack-api.ts';

/** Slack calls from the interactions handler wait at most this long each. */
const SLACK_CALL_TIMEOUT_MS = 1200;

export function createInteractionSlackApi(
  config: Config,
  parts: { doc: DynamoDBDocumentClient; secrets: Secrets; log: LogPort; now: Clock },
): SlackApi {
  return createSlackAdapters({
    secrets: parts.secrets,
    doc: parts.doc,
    gatesTable: config.tables.gates,
    publicUrl: config.publicUrl,
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    retries: 1,
    timeoutMs: SLACK_CALL_TIMEOUT_MS,
    log: parts.log,
    now: parts.now,
  }).api;
}

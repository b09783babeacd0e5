/**
 * Builds signoff's Slack adapters from the runtime's pieces: one Slack client provider shared by the
 * notifier (requests, updates) and the interaction handler's SlackApi.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, LogPort, Secrets } from '../core/ports.ts';
import { createSlackClientProvider } from './slack-client.ts';
import { DynamoDbSlackMessageStore, type SlackMessageStore } from './slack-message-store.ts';
import { SlackNotifier } from './slack-notifier.ts';
import { SlackWebApi } from './slack-web-api.ts';

/** What `createSlackAdapters` needs. */
export interface SlackAdaptersOptions {
  secrets: Pick<Secrets, 'get'>;
  /** The gates table holds the posted messages' references. */
  doc: DynamoDBDocumentClient;
  gatesTable: string;
  publicUrl: string;
  /** The channel for gates that name none. */
  defaultChannel?: string;
  /** Base URL of the Slack Web API, ending in `/` (a fake server locally and in tests). */
  slackApiUrl?: string;
  retries?: number;
  timeoutMs?: number;
  log?: LogPort;
  now?: Clock;
  /** Replaces the DynamoDB message store (unit tests). */
  messages?: SlackMessageStore;
}

/** The Slack notifier and the SlackApi of the interaction handler. */
export interface SlackAdapters {
  notifier: SlackNotifier;
  api: SlackWebApi;
  messages: SlackMessageStore;
}

/** Builds the Slack adapters; nothing talks to Slack until a message is sent. */
export function createSlackAdapters(options: SlackAdaptersOptions): SlackAdapters {
  const client = createSlackClientProvider({
    secrets: options.secrets,
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const messages = options.messages ?? new DynamoDbSlackMessageStore(options.doc, options.gatesTable);
  const notifier = new SlackNotifier({
    client,
    messages,
    publicUrl: options.publicUrl,
    ...(options.defaultChannel ? { defaultChannel: options.defaultChannel } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return { notifier, api: new SlackWebApi(client, options.now), messages };
}

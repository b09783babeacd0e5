/**
 * The local runtime's Slack when no bot token is configured: the fake Slack API (for the Slack client's
 * `slackApiUrl`) and the `/dev/slack` inbox whose buttons post signed clicks to `/slack/interactions`
 * as a chosen directory person, so the same signature check and vote code run locally.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Directory } from '../../statemachines/schema.ts';
import { readBody, send } from '../http-io.ts';
import {
  type FakeSlackApi,
  type FakeSlackMessage,
  type FakeSlackUser,
  startFakeSlackApi,
} from './fake-slack-api.ts';
import { blockActionsPayload, signedInteraction } from './slack-click.ts';
import { renderSlackInbox } from './slack-inbox.ts';

/** Options of `createLocalSlack`. */
export interface LocalSlackOptions {
  /** The signing secret `/slack/interactions` checks (the local secrets' `slack-signing-secret`). */
  signingSecret: string | (() => Promise<string | undefined>);
  directory: Directory;
  /** Where clicks are posted, e.g. `http://127.0.0.1:3000/slack/interactions` (a function when the port is known later). */
  interactionsUrl: string | (() => string);
  /** The bot token the fake accepts (put it in the secrets as `slack-bot-token`); default `xoxb-local`. */
  botToken?: string;
  /** Keeps the messages in `<dataDir>/slack.json` across restarts. */
  dataDir?: string;
  /** The page's path (default `/dev/slack`). */
  basePath?: string;
}

/** The running local Slack. */
export interface LocalSlack {
  /** Set as the Slack client's `slackApiUrl` (SIGNOFF_SLACK_API_URL). */
  apiUrl: string;
  botToken: string;
  messages: FakeSlackMessage[];
  api: FakeSlackApi;
  /** Serves `/dev/slack` (GET), `/dev/slack/messages.json` and the button clicks; false for other paths. */
  handleDevRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  stop(): Promise<void>;
}

/** The Slack user id of a directory person: their `slack` id, else a stable made-up one. */
export function localSlackId(user: { email: string; slack?: string | undefined }): string {
  if (user.slack) return user.slack;
  const hash = createHash('sha256').update(user.email.toLowerCase()).digest('hex').slice(0, 9);
  return `U${hash.toUpperCase()}`;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const body = await readBody(req, 16 * 1024);
  return body ? new URLSearchParams(body.toString('utf8')) : undefined;
}

/** Starts the fake Slack API and returns the inbox routes for the local gateway. */
export async function createLocalSlack(options: LocalSlackOptions): Promise<LocalSlack> {
  const botToken = options.botToken ?? 'xoxb-local';
  const people = [...options.directory.users, ...(options.directory.profiles ?? [])];
  const users: FakeSlackUser[] = people.map((u) => ({
    id: localSlackId(u),
    email: u.email,
    name: u.name,
  }));
  const api = await startFakeSlackApi({
    botToken,
    users,
    ...(options.dataDir ? { dataFile: join(options.dataDir, 'slack.json') } : {}),
  });
  const base = options.basePath ?? '/dev/slack';
  // Any page on the web could post a form to 127.0.0.1: clicks must carry this page's token.
  const csrf = randomBytes(16).toString('hex');
  let notice: string | undefined;

  const secret = async () =>
    typeof options.signingSecret === 'string' ? options.signingSecret : await options.signingSecret();
  const interactionsUrl = () =>
    typeof options.interactionsUrl === 'string' ? options.interactionsUrl : options.interactionsUrl();

  const click = async (form: URLSearchParams): Promise<string> => {
    const user = users.find((u) => u.id === form.get('user'));
    if (!user) return 'Pick a person to click as.';
    const signing = await secret();
    if (!signing) return 'No slack-signing-secret is configured.';
    const payload = blockActionsPayload({
      userId: user.id,
      userName: user.name,
      actionId: form.get('action_id') ?? '',
      value: form.get('value') ?? '',
      channel: form.get('channel') ?? '',
      messageTs: form.get('ts') ?? '',
    });
    const request = signedInteraction(signing, payload);
    const response = await fetch(interactionsUrl(), {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    const body = await response.text();
    return response.ok
      ? `${user.name} clicked; Slack got ${response.status}.`
      : `The click was refused: ${response.status} ${body}`;
  };

  return {
    apiUrl: api.apiUrl,
    botToken,
    messages: api.messages,
    api,
    async handleDevRequest(req, res, url) {
      if (url.pathname === base && req.method === 'GET') {
        const actingAs = url.searchParams.get('as') ?? users[0]?.id;
        send(
          res,
          200,
          'text/html; charset=utf-8',
          renderSlackInbox(api.messages, {
            users,
            ephemerals: api.ephemerals,
            channelNames: api.channelNames,
            ...(actingAs ? { actingAs } : {}),
            clickPath: `${base}/click`,
            pagePath: base,
            csrf,
            ...(notice ? { notice } : {}),
          }),
        );
        notice = undefined;
        return true;
      }
      if (url.pathname === `${base}/messages.json` && req.method === 'GET') {
        send(
          res,
          200,
          'application/json',
          JSON.stringify({ messages: api.messages, ephemerals: api.ephemerals }),
        );
        return true;
      }
      if (url.pathname === `${base}/click` && req.method === 'POST') {
        const form = await readForm(req);
        if (!form || !sameToken(form.get('csrf') ?? '', csrf)) {
          send(res, 403, 'text/plain; charset=utf-8', 'This click did not come from the local Slack page.');
          return true;
        }
        try {
          notice = await click(form);
        } catch (error) {
          notice = `The click could not be sent: ${error instanceof Error ? error.message : String(error)}`;
        }
        const as = form.get('user');
        res.writeHead(303, { location: `${base}${as ? `?as=${encodeURIComponent(as)}` : ''}` });
        res.end();
        return true;
      }
      return false;
    },
    stop: () => api.close(),
  };
}

/**
 * signoff's Slack Web API client against the fake Slack API over real HTTP: arguments as Slack
 * reads them, Slack's refusals, rate limits and outages as the errors the notifier and the
 * delivery failures read.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeDeliveryError } from '../../../functions/adapters/delivery-error.ts';
import {
  createSlackClientProvider,
  createSlackWebClient,
  SlackApiError,
} from '../../../functions/adapters/slack-client.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../../local/slack/fake-slack-api.ts';

const TOKEN = 'xoxb-test';
let fake: FakeSlackApi;

beforeAll(async () => {
  fake = await startFakeSlackApi({
    botToken: TOKEN,
    users: [{ id: 'U0BOB', email: 'bob@acme.com', name: 'Bob Builder' }],
  });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.setDelay(0);
  fake.messages.length = 0;
  fake.calls.length = 0;
});

const client = (retries = 0, timeoutMs = 2000) =>
  createSlackWebClient(TOKEN, { slackApiUrl: fake.apiUrl, retries, timeoutMs });

describe('the Slack Web API client', () => {
  it('posts a message with its blocks, then updates it in place', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Approvals:* 0 of 2' } }];
    const posted = await client().chat.postMessage({
      channel: 'deploys',
      text: 'Approval needed',
      blocks,
      unfurl_links: false,
    });
    expect(fake.messages).toMatchObject([{ channel: posted.channel, ts: posted.ts, blocks }]);
    expect(fake.calls[0]?.args).toMatchObject({ channel: 'deploys', unfurl_links: 'false' });

    await client().chat.update({ channel: posted.channel ?? '', ts: posted.ts ?? '', text: 'Approved' });
    expect(fake.messages[0]).toMatchObject({ text: 'Approved', updates: 1 });
  });

  it('reads a profile email and opens a direct message', async () => {
    expect((await client().users.info({ user: 'U0BOB' })).user?.profile?.email).toBe('bob@acme.com');
    expect((await client().conversations.open({ users: 'U0BOB' })).channel?.id).toBe('D0BOB');
  });

  it("gives Slack's refusal as its code, without retrying it", async () => {
    fake.failNext('chat.postMessage', 'channel_not_found');
    const error = await client(2)
      .chat.postMessage({ channel: 'nowhere', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackApiError);
    expect(error).toMatchObject({
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'channel_not_found' },
    });
    expect(describeDeliveryError(error)).toBe('channel_not_found');
    expect(fake.calls).toHaveLength(1);
  });

  it('gives a rate-limited call (HTTP 429) with the seconds Slack asked to wait, without retrying it', async () => {
    fake.failHttpNext('chat.update', 429, 30);
    const error = await client(2)
      .chat.update({ channel: 'C1', ts: '1.1', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 30 });
    expect(describeDeliveryError(error)).toBe('rate limited by Slack (retry after 30 s)');
    expect(fake.calls).toHaveLength(1);
  });

  it('tries a call that met an outage (HTTP 503) again, and gives up after its retries', async () => {
    fake.failHttpNext('users.info', 503);
    expect((await client(1).users.info({ user: 'U0BOB' })).user?.profile?.email).toBe('bob@acme.com');
    expect(fake.calls).toHaveLength(2);

    fake.calls.length = 0;
    fake.failHttpNext('users.info', 503);
    fake.failHttpNext('users.info', 502);
    const error = await client(1)
      .users.info({ user: 'U0BOB' })
      .catch((e: unknown) => e);
    expect(describeDeliveryError(error)).toBe('Slack answered HTTP 502');
    expect(fake.calls).toHaveLength(2);
  });

  it('gives up on a call Slack does not answer within the timeout', async () => {
    fake.setDelay(500);
    const error = await client(0, 100)
      .chat.postEphemeral({ channel: 'C1', user: 'U0BOB', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'slack_webapi_request_error' });
    expect(String((error as Error).message)).toBe('chat.postEphemeral: request failed (TimeoutError)');
  });

  it('is refused with another token, and never puts the token in an error', async () => {
    const error = await createSlackWebClient('xoxb-wrong-secret', { slackApiUrl: fake.apiUrl, retries: 0 })
      .users.info({ user: 'U0BOB' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ data: { error: 'invalid_auth' } });
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
      'wrong-secret',
    );
  });

  it('builds one client per bot token, and none without a token', async () => {
    const secrets: Record<string, string> = {};
    const provider = createSlackClientProvider({
      secrets: { get: async (name) => secrets[name] },
      slackApiUrl: fake.apiUrl,
    });
    expect(await provider()).toBeUndefined();
    secrets['slack-bot-token'] = TOKEN;
    const first = await provider();
    expect(await provider()).toBe(first);
    secrets['slack-bot-token'] = 'xoxb-rotated';
    expect(await provider()).not.toBe(first);
  });
});

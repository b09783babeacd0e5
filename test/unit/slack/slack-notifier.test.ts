import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackAdapters, type SlackAdapters } from '../../../functions/adapters/slack-adapters.ts';
import { MemorySlackMessageStore } from '../../../functions/adapters/slack-message-store.ts';
import { buildGate } from '../../../functions/core/approval/request-approval.ts';
import type { Gate } from '../../../functions/core/ports.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../../local/slack/fake-slack-api.ts';
import { DIRECTORY, RecordingLog, requestInput, T0 } from '../../support/approval-fixtures.ts';

const TOKEN = 'xoxb-test-token-never-logged';
let fake: FakeSlackApi;
let log: RecordingLog;
let slack: SlackAdapters;
let token: string | undefined;

beforeAll(async () => {
  fake = await startFakeSlackApi({ botToken: TOKEN });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.messages.length = 0;
  fake.calls.length = 0;
  log = new RecordingLog();
  token = TOKEN;
  slack = createSlackAdapters({
    secrets: { get: async (name) => (name === 'slack-bot-token' ? token : undefined) },
    doc: undefined as unknown as DynamoDBDocumentClient,
    gatesTable: 'unused',
    messages: new MemorySlackMessageStore(),
    publicUrl: 'http://127.0.0.1:3000',
    slackApiUrl: fake.apiUrl,
    retries: 0,
    log,
    now: () => T0,
  });
});

function gate(overrides: Partial<Gate> = {}): Gate {
  const input = requestInput({ notify: { slack: 'deploys', email: true } });
  return { ...buildGate({ directory: DIRECTORY, now: () => T0 }, input), ...overrides };
}

function blocksText(i: number): string {
  return JSON.stringify(fake.messages[i]?.blocks);
}

describe('SlackNotifier', () => {
  it('posts the request to the gate’s channel and as a DM to each approver with a Slack id', async () => {
    const g = gate();
    await slack.notifier.requested(g);
    expect(fake.calls.map((c) => c.method).sort()).toEqual([
      'chat.postMessage',
      'chat.postMessage',
      'conversations.open',
    ]);
    expect(fake.calls.find((c) => c.method === 'conversations.open')?.args.users).toBe('U0ALICE');
    expect(fake.messages.map((m) => m.channel).sort()).toEqual([fake.messages[0]?.channel, 'D0ALICE'].sort());
    expect(fake.channelNames.get(fake.messages.find((m) => m.channel !== 'D0ALICE')?.channel ?? '')).toBe(
      'deploys',
    );
    expect(blocksText(0)).toContain('Approval required: production-deploy');
    const refs = await slack.messages.list(g.gate_id);
    expect(refs).toHaveLength(2);
    expect(refs.map((r) => r.ts).sort()).toEqual(fake.messages.map((m) => m.ts).sort());
  });

  it('updates every posted message in place when the gate is decided', async () => {
    const g = gate();
    await slack.notifier.requested(g);
    const at = new Date(T0 + 1000).toISOString();
    await slack.notifier.decided({
      ...g,
      status: 'rejected',
      closed_at: at,
      closed_by: { email: 'bob@acme.com', name: 'Bob Builder' },
    });
    expect(fake.messages).toHaveLength(2);
    for (const [i, message] of fake.messages.entries()) {
      expect(message.updates).toBe(1);
      expect(message.text).toBe('Rejected: production-deploy (aws-production-network)');
      expect(blocksText(i)).toContain('Rejected* by Bob Builder');
      expect(blocksText(i)).not.toContain('signoff_approve');
    }
  });

  it('updates the messages to "Expired" after a timeout', async () => {
    const g = gate();
    await slack.notifier.requested(g);
    await slack.notifier.expired({ ...g, status: 'timed_out', closed_at: g.deadline });
    expect(fake.messages.every((m) => m.text.startsWith('Expired:'))).toBe(true);
    expect(blocksText(0)).toContain('⌛ *Expired* at');
  });

  it('DMs escalated people and shows the escalation on the existing messages', async () => {
    const g = gate({ approvers: DIRECTORY.users.slice(1, 3).map((u) => ({ ...u, email: u.email })) });
    await slack.notifier.requested(g);
    expect(fake.messages).toHaveLength(1);
    const erin = { email: 'erin@acme.com', name: 'Erin Manager', role: 'admin' as const, slack: 'U0ERIN' };
    const escalated = { ...g, escalations: { '0': { at: new Date(T0).toISOString(), people: [erin] } } };
    await slack.notifier.escalated(escalated, [erin]);
    expect(fake.messages).toHaveLength(2);
    expect(fake.messages[1]?.channel).toBe('D0ERIN');
    expect(fake.messages[0]?.updates).toBe(1);
    expect(blocksText(0)).toContain('Escalated to Erin Manager at 2026-11-25 10:00 UTC');
  });

  it('skips quietly when no bot token is configured', async () => {
    token = undefined;
    await expect(slack.notifier.requested(gate())).resolves.toEqual([]);
    expect(fake.calls).toHaveLength(0);
    expect(log.lines.map((l) => l.message)).toContain(
      'slack is not configured (no bot token); message skipped',
    );
  });

  it('returns a failed post, logs it without the token and still posts to the others', async () => {
    // The channel's post goes first: the DM waits for conversations.open.
    fake.failNext('chat.postMessage', 'channel_not_found');
    await expect(slack.notifier.requested(gate())).resolves.toEqual([
      { channel: 'slack', to: '#deploys', reason: 'channel_not_found', at: '2026-11-25T10:00:00.000Z' },
    ]);
    expect(fake.messages).toHaveLength(1);
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.extra).toMatchObject({ slack_error: 'channel_not_found' });
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
  });

  it('never throws when Slack refuses the token: every target comes back failed', async () => {
    token = 'xoxb-wrong';
    await expect(slack.notifier.requested(gate())).resolves.toEqual([
      { channel: 'slack', to: '#deploys', reason: 'invalid_auth', at: '2026-11-25T10:00:00.000Z' },
      { channel: 'slack', to: 'alice@acme.com', reason: 'invalid_auth', at: '2026-11-25T10:00:00.000Z' },
    ]);
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.extra?.slack_error)).toEqual([
      'invalid_auth',
      'invalid_auth',
    ]);
    expect(JSON.stringify(log.lines)).not.toContain('xoxb-wrong');
  });
});

describe('SlackNotifier default channel', () => {
  it('posts to the default channel when the gate names none', async () => {
    const withDefault = createSlackAdapters({
      secrets: { get: async (name) => (name === 'slack-bot-token' ? TOKEN : undefined) },
      doc: undefined as unknown as DynamoDBDocumentClient,
      gatesTable: 'unused',
      messages: new MemorySlackMessageStore(),
      publicUrl: 'http://127.0.0.1:3000',
      slackApiUrl: fake.apiUrl,
      defaultChannel: 'approvals',
      retries: 0,
      now: () => T0,
    });
    const input = requestInput({ notify: { email: true } });
    await withDefault.notifier.requested(buildGate({ directory: DIRECTORY, now: () => T0 }, input));
    const channels = fake.messages.map((m) => fake.channelNames.get(m.channel) ?? m.channel);
    expect(channels).toContain('approvals');
  });
});

describe('SlackNotifier progress', () => {
  it('updates the posted messages when an approval from another channel is counted', async () => {
    const g = gate({ required: 2 });
    await slack.notifier.requested(g);
    fake.calls.length = 0;
    await slack.notifier.progressed({
      ...g,
      approved_by: [{ email: 'bob@acme.com', name: 'Bob', at: new Date(T0).toISOString(), channel: 'email' }],
    });
    expect(fake.calls.map((c) => c.method)).toContain('chat.update');
    expect(JSON.stringify(fake.messages.map((m) => m.blocks))).toContain('1 of 2');
  });
});

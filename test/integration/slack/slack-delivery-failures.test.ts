import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CompositeNotifier } from '../../../functions/adapters/composite-notifier.ts';
import { createSlackAdapters } from '../../../functions/adapters/slack-adapters.ts';
import { buildApprovalView } from '../../../functions/core/approval/approval-view.ts';
import { castVote } from '../../../functions/core/approval/cast-vote.ts';
import { escalate } from '../../../functions/core/approval/escalate.ts';
import { requestApproval } from '../../../functions/core/approval/request-approval.ts';
import type { Gate } from '../../../functions/core/ports.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../../local/slack/fake-slack-api.ts';
import { renderApprovalPage } from '../../../web/approval-page.ts';
import {
  createClock,
  createDynamoDeps,
  requestInput,
  type TestDeps,
} from '../../support/approval-fixtures.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

const TOKEN = 'xoxb-test-delivery';
const AT = '2026-11-25T10:00:00.000Z';
let db: Dynalite;
let fake: FakeSlackApi;
let deps: TestDeps;

beforeAll(async () => {
  db = await startDynalite();
  fake = await startFakeSlackApi({ botToken: TOKEN });
});
afterAll(async () => {
  await fake?.close();
  await db?.stop();
});
beforeEach(() => {
  fake.messages.length = 0;
  fake.calls.length = 0;
  const base = createDynamoDeps(db, createClock());
  const slack = createSlackAdapters({
    secrets: { get: async (name) => (name === 'slack-bot-token' ? TOKEN : undefined) },
    doc: db.docClient,
    gatesTable: db.tableNames.gates,
    publicUrl: 'http://127.0.0.1:3000',
    slackApiUrl: fake.apiUrl,
    retries: 0,
    log: base.log,
    now: base.now,
  });
  // As the deployed functions compose it: the notifiers behind one CompositeNotifier.
  const notifier = new CompositeNotifier([{ name: 'slack', notifier: slack.notifier }], base.log, base.now);
  deps = { ...base, notifier: notifier as unknown as TestDeps['notifier'] };
});

async function request(): Promise<Gate> {
  const input = requestInput({
    notify: { slack: 'deploys', email: true },
    escalation: [{ after_seconds: 60, approvers: ['team:managers'] }],
  });
  const { gate } = await requestApproval(deps, input);
  return (await deps.gates.get(gate.gate_id)) as Gate;
}

describe('Slack delivery failures', () => {
  it('records a channel Slack does not know (channel_not_found) on the gate and in the audit', async () => {
    // The channel's post goes first; the DM to Alice waits for conversations.open.
    fake.failNext('chat.postMessage', 'channel_not_found');
    const gate = await request();
    expect(gate.status).toBe('pending');
    expect(gate.delivery_failures).toEqual([
      { channel: 'slack', to: '#deploys', reason: 'channel_not_found', at: AT },
    ]);
    // Alice's direct message still went out.
    expect(fake.messages.map((m) => m.channel)).toEqual(['D0ALICE']);
    const events = await deps.audit.readRun(gate.run.id);
    expect(events.map((e) => [e.action, e.channel, e.reason])).toEqual([
      ['requested', undefined, undefined],
      ['notification_failed', 'slack', 'Slack message to #deploys failed: channel_not_found'],
    ]);
  });

  it('shows the failure on the gate’s approval page', async () => {
    fake.failNext('chat.postMessage', 'not_in_channel');
    const gate = await request();
    const page = renderApprovalPage({
      approval: buildApprovalView(gate, deps.now(), 'http://127.0.0.1:3000'),
      votes: [],
      voter: { email: 'bob@acme.com', name: 'Bob Builder' },
      token: 'capability',
      delivery: gate,
    });
    expect(page).toContain('Not everyone was told');
    expect(page).toContain('Slack message to #deploys failed: not_in_channel');
  });

  it('records a direct message that could not be opened, naming the person', async () => {
    fake.failNext('conversations.open', 'user_not_found');
    const gate = await request();
    expect(gate.delivery_failures).toEqual([
      { channel: 'slack', to: 'alice@acme.com', reason: 'user_not_found', at: AT },
    ]);
  });

  it('records a failed escalation message too', async () => {
    const gate = await request();
    deps.clock.advance(60_000);
    fake.failNext('conversations.open', 'user_not_found');
    const directory = {
      ...deps.directory,
      users: deps.directory.users.map((u) => (u.email === 'erin@acme.com' ? { ...u, slack: 'U0ERIN' } : u)),
    };
    const outcome = await escalate({ ...deps, directory }, gate.gate_id, 0);
    expect(outcome.kind).toBe('escalated');
    expect((await deps.gates.get(gate.gate_id))?.delivery_failures).toEqual([
      { channel: 'slack', to: 'erin@acme.com', reason: 'user_not_found', at: '2026-11-25T10:01:00.000Z' },
    ]);
  });

  it('never turns a counted vote into an error when Slack fails to update its messages', async () => {
    const gate = await request();
    fake.failNext('chat.update', 'message_not_found');
    fake.failNext('chat.update', 'message_not_found');
    const outcome = await castVote(deps, {
      gateId: gate.gate_id,
      voter: 'bob@acme.com',
      decision: 'approve',
      channel: 'web',
    });
    expect(outcome).toMatchObject({ kind: 'counted', status: 'pending' });
    // Updates of messages already delivered are logged, not recorded as undelivered announcements.
    expect((await deps.gates.get(gate.gate_id))?.delivery_failures).toBeUndefined();
  });
});

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CompositeNotifier } from '../../../functions/adapters/composite-notifier.ts';
import { createSlackAdapters, type SlackAdapters } from '../../../functions/adapters/slack-adapters.ts';
import { drainAllGates, drainGate } from '../../../functions/core/approval/drain-gate.ts';
import { recordTimeout } from '../../../functions/core/approval/record-timeout.ts';
import { requestApproval } from '../../../functions/core/approval/request-approval.ts';
import type { Gate } from '../../../functions/core/ports.ts';
import type { SlackInteractionDeps } from '../../../functions/core/slack/handle-slack-interaction.ts';
import { createSlackInteractionsHandler } from '../../../functions/slack-interactions/handler.ts';
import { lambdaContext } from '../../../local/gateway.ts';
import { type FakeSlackApi, startFakeSlackApi } from '../../../local/slack/fake-slack-api.ts';
import {
  blockActionsPayload,
  type SignedSlackRequest,
  signedInteraction,
} from '../../../local/slack/slack-click.ts';
import {
  createClock,
  createDynamoDeps,
  requestInput,
  type TestDeps,
} from '../../support/approval-fixtures.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

const SECRET = 'test-signing-secret';
const TOKEN = 'xoxb-test';
// DIRECTORY gives Alice a Slack id; the others are found by the email on their Slack profile.
const SLACK_USERS = [
  { id: 'U0BOB', email: 'bob@acme.com', name: 'Bob Builder' },
  { id: 'U0CAROL', email: 'carol@acme.com', name: 'Carol Ops' },
  { id: 'U0JANE', email: 'jane@acme.com', name: 'Jane Requester' },
  { id: 'U0OMAR', email: 'omar@acme.com', name: 'Omar Outsider' },
];

let db: Dynalite;
let fake: FakeSlackApi;
let channels: CompositeNotifier;
let deps: TestDeps & SlackInteractionDeps;
let slack: SlackAdapters;
let secrets: Record<string, string>;
const handler = createSlackInteractionsHandler(() => deps);

beforeAll(async () => {
  db = await startDynalite();
  fake = await startFakeSlackApi({ botToken: TOKEN, users: SLACK_USERS });
});
afterAll(async () => {
  await fake?.close();
  await db?.stop();
});
beforeEach(() => {
  fake.setDelay(0);
  fake.messages.length = 0;
  fake.ephemerals.length = 0;
  fake.calls.length = 0;
  secrets = { 'slack-signing-secret': SECRET, 'slack-bot-token': TOKEN };
  const base = createDynamoDeps(db, createClock());
  slack = createSlackAdapters({
    secrets: { get: async (name) => secrets[name] },
    doc: db.docClient,
    gatesTable: db.tableNames.gates,
    publicUrl: 'http://127.0.0.1:3000',
    slackApiUrl: fake.apiUrl,
    retries: 0,
    log: base.log,
    now: base.now,
  });
  // As deployed: the handler commits the vote and answers; what the vote owes (the audit, the
  // message updates, the engine call) is done after the ack by the drainer, whose notifier
  // updates the Slack messages.
  channels = new CompositeNotifier([{ name: 'slack', notifier: slack.notifier }], base.log);
  deps = {
    ...base,
    notifier: channels as unknown as TestDeps['notifier'],
    voteEffects: 'outbox',
    secrets: { get: async (name) => secrets[name] },
    slack: slack.api,
  };
});

/** A pending 2-of-4 gate (platform leads) whose request was posted to #deploys and to Alice. */
async function postedGate(approvers = ['team:platform-leads']): Promise<Gate> {
  const input = requestInput({ approvers, notify: { slack: 'deploys', email: true } });
  const { gate } = await requestApproval(
    { ...deps, notifier: channels as unknown as TestDeps['notifier'] },
    input,
  );
  expect(fake.messages).toHaveLength(2);
  return gate;
}

function click(gate: Gate, userId: string, action = 'signoff_approve', actionTs = '1795600000.000001') {
  const message = fake.messages[0];
  return blockActionsPayload({
    userId,
    actionId: action,
    value: gate.gate_id,
    channel: message?.channel ?? 'C0',
    messageTs: message?.ts ?? '1.0',
    actionTs,
  });
}

function event(
  request: SignedSlackRequest,
  options: { base64?: boolean; headers?: Record<string, string> } = {},
) {
  const base64 = options.base64 ?? true;
  return {
    version: '2.0',
    routeKey: 'POST /slack/interactions',
    rawPath: '/slack/interactions',
    rawQueryString: '',
    headers: { ...request.headers, ...options.headers },
    body: base64 ? Buffer.from(request.body).toString('base64') : request.body,
    isBase64Encoded: base64,
    requestContext: { http: { method: 'POST', path: '/slack/interactions' } },
  } as unknown as APIGatewayProxyEventV2;
}

/** The handler's answer to one request, before anything the vote owes is done. */
async function ack(request: SignedSlackRequest, options?: Parameters<typeof event>[1]) {
  return (await handler(
    event(request, options),
    lambdaContext('signoff-slack-interactions'),
  )) as APIGatewayProxyStructuredResultV2;
}

/** The answer, then one pass of the drainer, as the gates stream runs it after the ack. */
async function send(request: SignedSlackRequest, options?: Parameters<typeof event>[1]) {
  const answer = await ack(request, options);
  await drainAllGates(deps);
  return answer;
}

function signed(payload: unknown, now = deps.now()): SignedSlackRequest {
  return signedInteraction(SECRET, payload, now);
}

function blocksOf(i = 0): string {
  return JSON.stringify(fake.messages[i]?.blocks);
}

async function auditActions(gate: Gate): Promise<string[]> {
  return (await deps.audit.readRun(gate.run.id)).map((e) => e.action);
}

describe('POST /slack/interactions', () => {
  it('counts a signed Approve click and updates every message to show 1 of 2', async () => {
    const gate = await postedGate();
    const response = await send(signed(click(gate, 'U0ALICE')));
    expect(response).toEqual({ statusCode: 200, body: '' });
    expect(await deps.votes.list(gate.gate_id)).toMatchObject([
      { email: 'alice@acme.com', channel: 'slack' },
    ]);
    for (const i of [0, 1]) {
      expect(fake.messages[i]?.updates).toBe(1);
      expect(blocksOf(i)).toContain('*Approvals:* 1 of 2: Alice Lead (slack)');
      expect(blocksOf(i)).toContain('signoff_approve');
    }
    expect(fake.ephemerals).toHaveLength(0);
  });

  it('maps a person without a Slack id by their profile email, opens the gate and shows the final state', async () => {
    const gate = await postedGate();
    await send(signed(click(gate, 'U0ALICE')));
    await send(signed(click(gate, 'U0BOB')));
    expect(fake.calls.filter((c) => c.method === 'users.info').map((c) => c.args.user)).toEqual(['U0BOB']);
    expect(deps.engine.calls).toMatchObject([{ kind: 'success', token: `token-${gate.run.id}` }]);
    for (const i of [0, 1]) {
      expect(fake.messages[i]?.text).toBe('Approved: production-deploy (aws-production-network)');
      expect(blocksOf(i)).toContain('2 of 2: Alice Lead (slack), Bob Builder (slack)');
      expect(blocksOf(i)).not.toContain('signoff_approve');
    }
  });

  it('rejects on a Reject click and shows who rejected', async () => {
    const gate = await postedGate();
    await send(signed(click(gate, 'U0CAROL', 'signoff_reject')));
    expect(deps.engine.calls).toMatchObject([{ kind: 'failure', error: 'Rejected' }]);
    expect(fake.messages[0]?.text).toBe('Rejected: production-deploy (aws-production-network)');
    expect(blocksOf(0)).toContain('❌ *Rejected* by Carol Ops');
  });

  it('shows "Expired" on the messages after the gate times out', async () => {
    const gate = await postedGate();
    await send(signed(click(gate, 'U0ALICE')));
    deps.clock.advance(4 * 3600 * 1000);
    await recordTimeout(deps, {
      run: gate.run,
      step_id: gate.step_id,
      on_timeout: 'cancel',
      error: { Error: 'States.Timeout' },
    });
    expect(fake.messages[0]?.text).toBe('Expired: production-deploy (aws-production-network)');
    expect(blocksOf(0)).toContain('⌛ *Expired* at');
    expect(blocksOf(0)).toContain('1 of 2: Alice Lead (slack) approvals; the run was cancelled');
  });

  it('accepts a body that is not base64-encoded', async () => {
    const gate = await postedGate();
    expect(await send(signed(click(gate, 'U0ALICE')), { base64: false })).toMatchObject({ statusCode: 200 });
    expect(await deps.votes.list(gate.gate_id)).toHaveLength(1);
  });

  describe('before anything is parsed', () => {
    it('refuses a tampered body', async () => {
      const gate = await postedGate();
      const request = signed(click(gate, 'U0OMAR'));
      const tampered = { ...request, body: request.body.replace('U0OMAR', 'U0ALICE') };
      const response = await send(tampered);
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body ?? '')).toEqual({ message: 'invalid X-Slack-Signature' });
      expect(await deps.votes.list(gate.gate_id)).toHaveLength(0);
      expect(await auditActions(gate)).toEqual(['requested']);
    });

    it('refuses a stale timestamp', async () => {
      const gate = await postedGate();
      const response = await send(signed(click(gate, 'U0ALICE'), deps.now() - 6 * 60_000));
      expect(response.statusCode).toBe(401);
      expect(await deps.votes.list(gate.gate_id)).toHaveLength(0);
    });

    it('refuses a signature of another length without throwing', async () => {
      const gate = await postedGate();
      const request = signed(click(gate, 'U0ALICE'));
      const response = await send(request, { headers: { 'x-slack-signature': 'v0=deadbeef' } });
      expect(response.statusCode).toBe(401);
      expect(await deps.votes.list(gate.gate_id)).toHaveLength(0);
    });

    it('refuses a request without the Slack headers', async () => {
      const gate = await postedGate();
      const request = signed(click(gate, 'U0ALICE'));
      const response = await send({
        headers: { 'content-type': request.headers['content-type'] ?? '' },
        body: request.body,
      });
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body ?? '')).toMatchObject({ message: expect.stringContaining('missing') });
    });

    it('answers 503 when no signing secret is configured', async () => {
      const gate = await postedGate();
      delete secrets['slack-signing-secret'];
      expect((await send(signed(click(gate, 'U0ALICE')))).statusCode).toBe(503);
      expect(await deps.votes.list(gate.gate_id)).toHaveLength(0);
    });
  });

  it('answers 500 and casts no vote when Slack cannot say who clicked', async () => {
    const gate = await postedGate();
    fake.failNext('users.info', 'internal_error');
    expect((await send(signed(click(gate, 'U0BOB')))).statusCode).toBe(500);
    expect(await deps.votes.list(gate.gate_id)).toHaveLength(0);
    expect(JSON.stringify(deps.log.lines)).not.toContain(TOKEN);
  });

  it('answers 400 to a signed payload that is not a click', async () => {
    const response = await send(signed({ type: 'block_actions', user: {}, actions: [] }));
    expect(response.statusCode).toBe(400);
  });

  it('acks the View plan link button and does nothing else', async () => {
    const gate = await postedGate();
    expect(await send(signed(click(gate, 'U0ALICE', 'signoff_view')))).toEqual({ statusCode: 200, body: '' });
    expect(await deps.votes.list(gate.gate_id)).toHaveLength(0);
    expect(await auditActions(gate)).toEqual(['requested']);
  });

  describe('replays', () => {
    // Reproduction: an identical Slack click replayed within 5 minutes added an audit row each time.
    it('counts and audits an identical click replayed within 5 minutes once, and answers it as the first', async () => {
      const gate = await postedGate();
      const request = signed(click(gate, 'U0ALICE'));
      const first = await send(request);
      deps.clock.advance(60_000);
      const again = await send(request);
      deps.clock.advance(3 * 60_000);
      const later = await send(request);
      expect(first).toEqual({ statusCode: 200, body: '' });
      expect(again).toEqual(first);
      expect(later).toEqual(first);
      expect(await deps.votes.list(gate.gate_id)).toHaveLength(1);
      expect((await deps.gates.get(gate.gate_id))?.approved_by).toHaveLength(1);
      expect(await auditActions(gate)).toEqual(['requested', 'approved']);
      expect(fake.ephemerals).toHaveLength(0);
      // Past the signature's 5-minute window the same request is refused before anything is read.
      deps.clock.advance(2 * 60_000);
      expect((await send(request)).statusCode).toBe(401);
      expect(await auditActions(gate)).toEqual(['requested', 'approved']);
    });

    it('answers the same person clicking Approve twice as the first time, counted and audited once', async () => {
      const gate = await postedGate();
      await send(signed(click(gate, 'U0ALICE')));
      await send(signed(click(gate, 'U0ALICE', 'signoff_approve', '1795600001.000001')));
      expect(await deps.votes.list(gate.gate_id)).toHaveLength(1);
      expect((await deps.gates.get(gate.gate_id))?.approved_by).toHaveLength(1);
      expect(fake.ephemerals).toHaveLength(0);
      expect(await auditActions(gate)).toEqual(['requested', 'approved']);
    });

    it('refuses a Reject after the same person approved, and tells them so, only them', async () => {
      const gate = await postedGate();
      await send(signed(click(gate, 'U0ALICE')));
      await send(signed(click(gate, 'U0ALICE', 'signoff_reject', '1795600001.000001')));
      expect((await deps.gates.get(gate.gate_id))?.status).toBe('pending');
      expect(fake.ephemerals).toMatchObject([
        { user: 'U0ALICE', text: expect.stringContaining('You already approved this gate') },
      ]);
      expect(await auditActions(gate)).toEqual(['requested', 'approved', 'refused']);
    });

    it('treats a Slack retry of a counted click as done, not as a refusal', async () => {
      const gate = await postedGate();
      const request = signed(click(gate, 'U0ALICE'));
      await send(request);
      const retry = await send(request, {
        headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
      });
      expect(retry).toEqual({ statusCode: 200, body: '' });
      expect(await deps.votes.list(gate.gate_id)).toHaveLength(1);
      expect(await auditActions(gate)).toEqual(['requested', 'approved']);
      expect(fake.ephemerals).toHaveLength(0);
    });

    it('answers a replay of the click that opened the gate as the first, and tells the engine once', async () => {
      const gate = await postedGate();
      await send(signed(click(gate, 'U0ALICE')));
      const closing = signed(click(gate, 'U0BOB'));
      await send(closing);
      expect(await send(closing)).toEqual({ statusCode: 200, body: '' });
      expect(deps.engine.calls).toHaveLength(1);
      expect(fake.ephemerals).toHaveLength(0);
      expect(await auditActions(gate)).toEqual(['requested', 'approved', 'approved']);
    });

    it('casts the vote when a retried click was never counted', async () => {
      const gate = await postedGate();
      await send(signed(click(gate, 'U0ALICE')), { headers: { 'x-slack-retry-num': '1' } });
      expect(await deps.votes.list(gate.gate_id)).toHaveLength(1);
      expect(await auditActions(gate)).toEqual(['requested', 'approved']);
    });
  });

  describe('refusals are told to the clicker only, with the reason', () => {
    it('self-approval', async () => {
      const gate = await postedGate(['team:platform-leads', 'user:jane@acme.com']);
      expect(await send(signed(click(gate, 'U0JANE')))).toEqual({ statusCode: 200, body: '' });
      expect(fake.ephemerals).toMatchObject([
        {
          channel: fake.messages[0]?.channel,
          user: 'U0JANE',
          text: expect.stringContaining('started this run and cannot approve it'),
        },
      ]);
      expect(fake.messages.every((m) => m.updates === 0)).toBe(true);
      expect(await auditActions(gate)).toEqual(['requested', 'refused']);
    });

    it('not an approver', async () => {
      const gate = await postedGate();
      await send(signed(click(gate, 'U0OMAR')));
      expect(fake.ephemerals[0]).toMatchObject({
        user: 'U0OMAR',
        text: expect.stringContaining('is not an approver of this gate'),
      });
    });

    it('a Slack user nobody in the directory matches', async () => {
      const gate = await postedGate();
      await send(signed(click(gate, 'U0STRANGER')));
      expect(fake.ephemerals[0]).toMatchObject({
        user: 'U0STRANGER',
        text: expect.stringContaining('add `slack: U0STRANGER` to your entry in config/directory.yaml'),
      });
      expect(await deps.votes.list(gate.gate_id)).toHaveLength(0);
      const refused = (await deps.audit.readRun(gate.run.id)).at(-1);
      expect(refused).toMatchObject({ action: 'refused', details: { code: 'unknown_user' } });
    });

    it('a closed gate', async () => {
      const gate = await postedGate();
      await send(signed(click(gate, 'U0CAROL', 'signoff_reject')));
      await send(signed(click(gate, 'U0ALICE')));
      expect(fake.ephemerals).toMatchObject([
        { user: 'U0ALICE', text: expect.stringContaining('This gate was rejected at') },
      ]);
    });

    it('an unknown gate', async () => {
      const gate = await postedGate();
      await send(
        signed({
          ...click(gate, 'U0ALICE'),
          actions: [{ action_id: 'signoff_approve', value: 'g_000000000000000000000000' }],
        }),
      );
      expect(fake.ephemerals[0]?.text).toContain('There is no such approval gate.');
    });
  });

  it('answers before a slow ephemeral answer to a refused click finishes, and the clicker is still told', async () => {
    const gate = await postedGate();
    await send(signed(click(gate, 'U0ALICE')));
    deps.followUpBudgetMs = 50;
    fake.setDelay(800);
    const refusal = signed(click(gate, 'U0ALICE', 'signoff_reject', '1795600001.000001'));
    expect(await ack(refusal)).toEqual({ statusCode: 200, body: '' });
    expect(fake.ephemerals).toHaveLength(0);
    expect(deps.log.lines.map((l) => l.message)).toContain('slack follow-up still running at ack time');
    await expect.poll(() => fake.ephemerals.length, { timeout: 5000 }).toBe(1);
  });

  describe('the ack comes before the vote owes anything to Slack, the audit or the engine', () => {
    it('acks a counted click before the messages, the audit and the engine are touched, and the drain does each once', async () => {
      const gate = await postedGate();
      const posted = fake.calls.length;
      fake.setDelay(800);
      expect(await ack(signed(click(gate, 'U0ALICE')))).toEqual({ statusCode: 200, body: '' });
      expect(await ack(signed(click(gate, 'U0BOB')))).toEqual({ statusCode: 200, body: '' });
      // Only Bob's profile is read (the directory gives Alice's Slack id): nothing is posted or updated.
      expect(fake.calls.slice(posted).map((c) => c.method)).toEqual(['users.info']);
      expect(fake.messages.map((m) => m.updates)).toEqual([0, 0]);
      expect(await auditActions(gate)).toEqual(['requested']);
      expect(deps.engine.calls).toEqual([]);
      expect((await deps.gates.readOutbox(gate.gate_id))?.outbox).toHaveLength(2);

      fake.setDelay(0);
      await drainGate(deps, gate.gate_id);
      await drainGate(deps, gate.gate_id);
      expect(await auditActions(gate)).toEqual(['requested', 'approved', 'approved']);
      expect(deps.engine.calls).toMatchObject([{ kind: 'success' }]);
      for (const i of [0, 1]) {
        expect(fake.messages[i]?.updates).toBe(2);
        expect(blocksOf(i)).toContain('Alice Lead');
        expect(blocksOf(i)).not.toContain('signoff_approve');
      }
    });

    it('tells a refused clicker before the ack, and audits the refusal through the drain', async () => {
      const gate = await postedGate();
      expect(await ack(signed(click(gate, 'U0JANE')))).toEqual({ statusCode: 200, body: '' });
      expect(fake.ephemerals).toHaveLength(1);
      expect(await auditActions(gate)).toEqual(['requested']);
      await drainGate(deps, gate.gate_id);
      expect(await auditActions(gate)).toEqual(['requested', 'refused']);
      expect(fake.messages.map((m) => m.updates)).toEqual([0, 0]);
    });
  });
});

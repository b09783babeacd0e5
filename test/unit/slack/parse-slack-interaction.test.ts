import { describe, expect, it } from 'vitest';
import { parseSlackInteraction } from '../../../functions/core/slack/parse-slack-interaction.ts';
import { blockActionsPayload } from '../../../local/slack/slack-click.ts';

const GATE = 'g_0123456789abcdef01234567';

function form(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function click(overrides: Partial<Parameters<typeof blockActionsPayload>[0]> = {}) {
  return blockActionsPayload({
    userId: 'U0ALICE',
    actionId: 'signoff_approve',
    value: GATE,
    channel: 'C0DEPLOYS',
    messageTs: '1764064800.000100',
    actionTs: '1764064900.123456',
    ...overrides,
  });
}

describe('parseSlackInteraction', () => {
  it('reads an Approve click: gate, decision, user, channel, message and action time', () => {
    expect(parseSlackInteraction(form(click()))).toEqual({
      kind: 'vote',
      gateId: GATE,
      decision: 'approve',
      userId: 'U0ALICE',
      teamId: 'TLOCAL',
      channelId: 'C0DEPLOYS',
      messageTs: '1764064800.000100',
      actionTs: '1764064900.123456',
    });
  });

  it('reads a Reject click', () => {
    const parsed = parseSlackInteraction(form(click({ actionId: 'signoff_reject' })));
    expect(parsed).toMatchObject({ kind: 'vote', decision: 'reject' });
  });

  it('ignores the View plan link button and other apps’ actions', () => {
    expect(parseSlackInteraction(form(click({ actionId: 'signoff_view' })))).toMatchObject({
      kind: 'ignored',
    });
    expect(parseSlackInteraction(form(click({ actionId: 'other' })))).toMatchObject({ kind: 'ignored' });
  });

  it('ignores interaction types other than block_actions', () => {
    expect(parseSlackInteraction(form({ type: 'view_submission', view: {} }))).toEqual({
      kind: 'ignored',
      reason: 'interaction type view_submission is not handled',
    });
  });

  it('refuses a button value that is not a gate id', () => {
    expect(parseSlackInteraction(form(click({ value: 'g_../../etc' })))).toEqual({
      kind: 'invalid',
      status: 400,
      message: 'the button value is not a gate id',
    });
  });

  it('refuses a body without payload, non-JSON payloads and payloads without a user', () => {
    expect(parseSlackInteraction('foo=bar')).toMatchObject({
      status: 400,
      message: 'the body has no payload field',
    });
    expect(parseSlackInteraction('payload=%7Bnope')).toMatchObject({
      status: 400,
      message: 'payload is not JSON',
    });
    expect(parseSlackInteraction(form({ ...click(), user: undefined }))).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('user'),
    });
    expect(parseSlackInteraction(form([1, 2]))).toMatchObject({
      kind: 'invalid',
      message: 'payload has no type',
    });
  });
});

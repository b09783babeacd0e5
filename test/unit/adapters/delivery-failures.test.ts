import { MessageRejected } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { CompositeNotifier } from '../../../functions/adapters/composite-notifier.ts';
import { describeDeliveryError } from '../../../functions/adapters/delivery-error.ts';
import { LogNotifier } from '../../../functions/adapters/log-notifier.ts';
import { MemoryNotifier } from '../../../functions/adapters/memory-notifier.ts';
import { buildGate } from '../../../functions/core/approval/request-approval.ts';
import type { Gate, Notifier } from '../../../functions/core/ports.ts';
import { DIRECTORY, RecordingLog, requestInput, T0 } from '../../support/approval-fixtures.ts';

const gate: Gate = buildGate({ directory: DIRECTORY, now: () => T0 }, requestInput());

describe('describeDeliveryError', () => {
  it('gives an SES error as its code and SES’s message', () => {
    const error = new MessageRejected({
      message:
        'Email address is not verified. The following identities failed the check in region US-EAST-1: carol@acme.com',
      $metadata: { httpStatusCode: 400 },
    });
    expect(describeDeliveryError(error)).toBe(
      'MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: carol@acme.com',
    );
  });

  it('gives a Slack platform error as Slack’s code', () => {
    const error = Object.assign(new Error('An API error occurred: not_in_channel'), {
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'not_in_channel' },
    });
    expect(describeDeliveryError(error)).toBe('not_in_channel');
  });

  it('never passes on a token, a signed link or an access key an error message quotes', () => {
    const error = new Error(
      'failed with xoxb-1234-abcd for https://signoff.example/approvals/g_1?t=eyJhbGciOiJFZERTQSJ9.eyJnIjoiMSJ9.c2ln key AKIAABCDEFGHIJKLMNOP so_abcdefghijklmnopqrstuv',
    );
    const reason = describeDeliveryError(error);
    expect(reason).toBe(
      'Error: failed with xox… for https://signoff.example/approvals/g_1?t=… key <access key> so_…',
    );
  });

  it('never passes on a sign-in link', () => {
    expect(
      describeDeliveryError(new Error('bad body: https://s.example/signin/abcdefghijklmnopqrstuvwx1234')),
    ).toBe('Error: bad body: https://s.example/signin/…');
  });

  it('cuts a long reason to 300 characters', () => {
    expect(describeDeliveryError(new Error('x'.repeat(1000)))).toHaveLength(300);
  });
});

describe('CompositeNotifier', () => {
  it('returns the failures every channel reports', async () => {
    const email = new MemoryNotifier();
    email.failNext({ channel: 'email', to: 'carol@acme.com', reason: 'MessageRejected: …', at: 'a' });
    const slack = new MemoryNotifier();
    slack.failNext({ channel: 'slack', to: '#deploys', reason: 'channel_not_found', at: 'b' });
    const log = new RecordingLog();
    const composite = new CompositeNotifier(
      [
        { name: 'log', notifier: new LogNotifier(log) },
        { name: 'email', notifier: email },
        { name: 'slack', notifier: slack },
      ],
      log,
    );
    expect(await composite.requested(gate)).toEqual([
      { channel: 'email', to: 'carol@acme.com', reason: 'MessageRejected: …', at: 'a' },
      { channel: 'slack', to: '#deploys', reason: 'channel_not_found', at: 'b' },
    ]);
  });

  it('counts a delivery channel that throws as one failed announcement to the approvers', async () => {
    const broken: Notifier = {
      requested: async () => {
        throw new Error('ResourceNotFoundException: secret link-signing-key not found');
      },
      progressed: async () => {},
      decided: async () => {},
      expired: async () => {},
      escalated: async () => {},
    };
    const log = new RecordingLog();
    const composite = new CompositeNotifier(
      [
        { name: 'email', notifier: broken },
        { name: 'metrics', notifier: broken },
      ],
      log,
      () => T0,
    );
    expect(await composite.requested(gate)).toEqual([
      {
        channel: 'email',
        to: 'the approvers',
        reason: 'Error: ResourceNotFoundException: secret link-signing-key not found',
        at: '2026-11-25T10:00:00.000Z',
      },
    ]);
    expect(log.lines.map((l) => [l.message, l.extra?.notifier])).toEqual([
      ['notifier failed', 'email'],
      ['notifier failed', 'metrics'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { signSlackRequest, verifySlackSignature } from '../../../functions/core/slack/slack-signature.ts';

// The example request from Slack's "Verifying requests from Slack" guide.
const SLACK_EXAMPLE = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
    '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const NOW = 1531420618 * 1000;

function check(overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) {
  return verifySlackSignature({
    timestamp: SLACK_EXAMPLE.timestamp,
    signature: SLACK_EXAMPLE.signature,
    rawBody: SLACK_EXAMPLE.body,
    secret: SLACK_EXAMPLE.secret,
    now: NOW,
    ...overrides,
  });
}

describe('signSlackRequest', () => {
  it('produces the signature of Slack’s documented example', () => {
    expect(signSlackRequest(SLACK_EXAMPLE.secret, SLACK_EXAMPLE.timestamp, SLACK_EXAMPLE.body)).toBe(
      SLACK_EXAMPLE.signature,
    );
  });
});

describe('verifySlackSignature', () => {
  it('accepts Slack’s documented example', () => {
    expect(check()).toEqual({ ok: true });
  });

  it('accepts a timestamp up to five minutes old or ahead', () => {
    expect(check({ now: NOW + 300_000 })).toEqual({ ok: true });
    expect(check({ now: NOW - 300_000 })).toEqual({ ok: true });
  });

  it('refuses a tampered body', () => {
    const result = check({ rawBody: SLACK_EXAMPLE.body.replace('roadrunner', 'coyote') });
    expect(result).toEqual({ ok: false, reason: 'invalid X-Slack-Signature' });
  });

  it('refuses another secret', () => {
    expect(check({ secret: 'another-secret' }).ok).toBe(false);
  });

  it('refuses a timestamp older than five minutes, even with a valid signature for it', () => {
    const stale = String(Number(SLACK_EXAMPLE.timestamp) - 301);
    const result = check({
      timestamp: stale,
      signature: signSlackRequest(SLACK_EXAMPLE.secret, stale, SLACK_EXAMPLE.body),
    });
    expect(result).toEqual({ ok: false, reason: 'X-Slack-Request-Timestamp is outside the 5-minute window' });
  });

  it('refuses a timestamp more than five minutes in the future', () => {
    expect(check({ now: NOW - 301_000 }).ok).toBe(false);
  });

  it('refuses a signature of another length without throwing', () => {
    expect(check({ signature: 'v0=abc' })).toEqual({ ok: false, reason: 'invalid X-Slack-Signature' });
    expect(check({ signature: `${SLACK_EXAMPLE.signature}00` }).ok).toBe(false);
    expect(check({ signature: 'é'.repeat(67) }).ok).toBe(false);
  });

  it('refuses missing headers', () => {
    expect(check({ timestamp: undefined }).ok).toBe(false);
    expect(check({ signature: undefined }).ok).toBe(false);
    expect(check({ signature: '' }).ok).toBe(false);
  });

  it('refuses a malformed timestamp', () => {
    expect(check({ timestamp: '1531420618.5' })).toEqual({
      ok: false,
      reason: 'malformed X-Slack-Request-Timestamp',
    });
    expect(check({ timestamp: ' 1531420618' }).ok).toBe(false);
  });
});

/**
 * Slack's request signing (v0): `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the
 * app's signing secret. Checked before anything in the request is parsed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from now, either way (Slack's advice: 5 minutes). */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 5 * 60;

/** The outcome of `verifySlackSignature`: ok, or why not (safe to tell the caller). */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** What a check needs: the two headers as received, the raw body, the secret and the clock. */
export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  secret: string;
  /** Milliseconds since the epoch. */
  now: number;
}

/** The `X-Slack-Signature` value Slack sends for this timestamp and body. */
export function signSlackRequest(secret: string, timestamp: string | number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
  return `v0=${mac}`;
}

/** Checks the timestamp window and the signature (timing-safe); never throws. */
export function verifySlackSignature(request: SignedRequest): SignatureCheck {
  const { timestamp, signature } = request;
  if (!timestamp || !signature) {
    return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed X-Slack-Request-Timestamp' };
  const skew = Math.abs(request.now / 1000 - Number(timestamp));
  if (skew > SLACK_SIGNATURE_WINDOW_SECONDS) {
    return { ok: false, reason: 'X-Slack-Request-Timestamp is outside the 5-minute window' };
  }
  const expected = Buffer.from(signSlackRequest(request.secret, timestamp, request.rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual throws on different lengths; a different length is simply wrong.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'invalid X-Slack-Signature' };
  }
  return { ok: true };
}

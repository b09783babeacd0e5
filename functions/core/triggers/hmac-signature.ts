/** `sha256=<hex>` HMAC signatures over a raw request body, as GitHub and signoff's webhooks send them. */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

/** The `sha256=<hex HMAC-SHA256>` signature of a body under a secret. */
export function signBody(body: string | Uint8Array, secret: string): string {
  return `${PREFIX}${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Whether `header` is the body's signature under `secret`. Compared in constant time; a missing,
 * malformed or wrong-length header is simply not valid (it never throws).
 */
export function verifySignature(body: Uint8Array, header: string | undefined, secret: string): boolean {
  if (!header?.startsWith(PREFIX)) return false;
  const hex = header.slice(PREFIX.length).trim();
  if (!HEX_DIGEST.test(hex)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(hex, 'hex');
  // Both are 32 bytes here; the length check keeps timingSafeEqual from throwing if that ever changes.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** How far a timestamped signature's `t` may be from now, either way: Slack's and Stripe's 5 minutes. */
export const SIGNATURE_WINDOW_SECONDS = 300;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: a signature that also covers when it was made. */
export function signTimestamped(body: string | Uint8Array, secret: string, unixSeconds: number): string {
  const t = String(Math.floor(unixSeconds));
  const mac = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** What checking a timestamped signature found. */
export type TimestampedCheck =
  | { ok: true; v1: string; t: number }
  | { ok: false; problem: 'malformed' | 'expired' | 'mismatch' };

/**
 * Checks a `t=...,v1=...` header: well formed, `t` within the window of `nowSeconds`, and one of
 * its `v1` values (several during a secret rotation) the HMAC of `<t>.<body>`, compared in
 * constant time. Never throws.
 */
export function verifyTimestamped(
  body: Uint8Array,
  header: string,
  secret: string,
  nowSeconds: number,
): TimestampedCheck {
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const macs = parts
    .filter(([k, v]) => k === 'v1' && v !== undefined && HEX_DIGEST.test(v))
    .map(([, v]) => v as string);
  if (!t || !/^\d{1,12}$/.test(t) || macs.length === 0) return { ok: false, problem: 'malformed' };
  if (Math.abs(nowSeconds - Number(t)) > SIGNATURE_WINDOW_SECONDS) return { ok: false, problem: 'expired' };
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  const match = macs.find((hex) => {
    const given = Buffer.from(hex, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true, v1: match.toLowerCase(), t: Number(t) } : { ok: false, problem: 'mismatch' };
}

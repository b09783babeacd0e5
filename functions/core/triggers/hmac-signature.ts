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

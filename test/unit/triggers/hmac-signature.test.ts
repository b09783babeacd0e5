import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from '../../../functions/core/triggers/hmac-signature.ts';

const SECRET = "It's a Secret to Everybody";
// GitHub's documented example: this payload and secret give this signature.
const GITHUB_DOC_BODY = 'Hello, World!';
const GITHUB_DOC_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('signBody', () => {
  it('matches the signature GitHub documents for its example payload', () => {
    expect(signBody(GITHUB_DOC_BODY, SECRET)).toBe(GITHUB_DOC_SIGNATURE);
  });
});

describe('verifySignature', () => {
  const body = Buffer.from('{"action":"closed"}');
  const good = signBody(body, SECRET);

  it('accepts the signature of the exact body', () => {
    expect(verifySignature(body, good, SECRET)).toBe(true);
    expect(verifySignature(Buffer.from(GITHUB_DOC_BODY), GITHUB_DOC_SIGNATURE, SECRET)).toBe(true);
  });

  it('accepts upper-case hex', () => {
    expect(verifySignature(body, `sha256=${good.slice(7).toUpperCase()}`, SECRET)).toBe(true);
  });

  it('refuses a tampered body, another secret and another algorithm', () => {
    expect(verifySignature(Buffer.from('{"action":"opened"}'), good, SECRET)).toBe(false);
    expect(verifySignature(body, good, 'another secret')).toBe(false);
    const sha1 = `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`;
    expect(verifySignature(body, sha1, SECRET)).toBe(false);
  });

  it('refuses missing, empty, short, long and non-hex signatures without throwing', () => {
    for (const header of [
      undefined,
      '',
      'sha256=',
      good.slice(0, -2),
      `${good}00`,
      `${good.slice(0, -1)}z`,
      good.slice(7),
      `sha256=${'ff'.repeat(64)}`,
    ]) {
      expect(verifySignature(body, header, SECRET)).toBe(false);
    }
  });

  it('never throws and only accepts the real signature, whatever the header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.string({ maxLength: 100 }), (bytes, header) => {
        const ok = verifySignature(bytes, header, SECRET);
        expect(ok).toBe(header.toLowerCase() === signBody(bytes, SECRET));
        expect(verifySignature(bytes, signBody(bytes, SECRET), SECRET)).toBe(true);
      }),
    );
  });
});

import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../../functions/core/auth/auth-error.ts';
import { signCapability, verifyCapability } from '../../../functions/core/auth/capability.ts';
import { T0 } from '../../support/approval-fixtures.ts';
import { TEST_KEY } from './auth-fixtures.ts';

const key = new TextEncoder().encode(TEST_KEY);
const gateId = 'g_0123456789abcdef01234567';
const deadline = new Date(T0 + 4 * 3600_000);

async function expectAuthError(promise: Promise<unknown>, code: string, status: number) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).code).toBe(code);
  expect((error as AuthError).status).toBe(status);
}

describe('verifyCapability', () => {
  it('accepts a capability it signed and returns the approver and expiry', async () => {
    const token = await signCapability(key, { gateId, email: 'Alice@Acme.com', expiresAt: deadline }, T0);
    const capability = await verifyCapability(key, token, gateId, T0 + 1000);
    expect(capability).toEqual({ gateId, email: 'alice@acme.com', expiresAt: deadline });
  });

  it('refuses a tampered payload', async () => {
    const token = await signCapability(key, { gateId, email: 'alice@acme.com', expiresAt: deadline }, T0);
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ gate: gateId, purpose: 'approve', sub: 'omar@acme.com', iss: 'signoff', exp: 9e9 }),
    ).toString('base64url');
    await expectAuthError(
      verifyCapability(key, `${header}.${forged}.${signature}`, gateId, T0),
      'invalid',
      400,
    );
  });

  it('refuses a capability signed with another key', async () => {
    const other = new TextEncoder().encode('x'.repeat(48));
    const token = await signCapability(other, { gateId, email: 'alice@acme.com', expiresAt: deadline }, T0);
    await expectAuthError(verifyCapability(key, token, gateId, T0), 'invalid', 400);
  });

  it('refuses an expired capability with 410', async () => {
    const token = await signCapability(key, { gateId, email: 'alice@acme.com', expiresAt: deadline }, T0);
    await expectAuthError(verifyCapability(key, token, gateId, deadline.getTime() + 1000), 'expired', 410);
  });

  it('refuses a capability for another gate', async () => {
    const token = await signCapability(key, { gateId, email: 'alice@acme.com', expiresAt: deadline }, T0);
    await expectAuthError(verifyCapability(key, token, 'g_ffffffffffffffffffffffff', T0), 'wrong_gate', 400);
  });

  it('refuses a token with another purpose', async () => {
    const token = await new SignJWT({ purpose: 'signin', gate: gateId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('signoff')
      .setSubject('alice@acme.com')
      .setExpirationTime(Math.floor(deadline.getTime() / 1000))
      .sign(key);
    await expectAuthError(verifyCapability(key, token, gateId, T0), 'invalid', 400);
  });

  it('refuses an unsigned (alg none) token and garbage', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ gate: gateId, purpose: 'approve', sub: 'alice@acme.com', iss: 'signoff', exp: 9e9 }),
    ).toString('base64url')}.`;
    await expectAuthError(verifyCapability(key, none, gateId, T0), 'invalid', 400);
    await expectAuthError(verifyCapability(key, 'not-a-token', gateId, T0), 'invalid', 400);
    await expectAuthError(verifyCapability(key, '', gateId, T0), 'invalid', 400);
  });
});

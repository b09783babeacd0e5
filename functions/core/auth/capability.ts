/**
 * Approval capabilities: the signed, per-approver, expiring token in an email's approval link
 * (compact JWS, HS256). It names the gate and the approver and expires at the gate's deadline;
 * it carries no task token and no secret.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { AuthError } from './auth-error.ts';

/** The `purpose` claim of an approval capability (a sign-in link has another). */
export const APPROVE_PURPOSE = 'approve';
const ISSUER = 'signoff';

/** What a valid capability says. */
export interface Capability {
  gateId: string;
  email: string;
  expiresAt: Date;
}

/** Signs a capability for one approver of one gate, valid until `expiresAt`. */
export async function signCapability(key: Uint8Array, capability: Capability, now: number): Promise<string> {
  return new SignJWT({ gate: capability.gateId, purpose: APPROVE_PURPOSE })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(capability.email.toLowerCase())
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(capability.expiresAt.getTime() / 1000))
    .sign(key);
}

/** Verifies signature, purpose, gate and expiry at `now`; throws AuthError saying which failed. */
export async function verifyCapability(
  key: Uint8Array,
  token: string,
  gateId: string,
  now: number,
): Promise<Capability> {
  const payload = await verifySigned(key, token, APPROVE_PURPOSE, now, 'This approval link');
  if (payload.gate !== gateId) {
    throw new AuthError('wrong_gate', 'This approval link belongs to a different approval request.');
  }
  return {
    gateId,
    email: payload.sub as string,
    expiresAt: new Date((payload.exp as number) * 1000),
  };
}

/** Verifies an HS256 JWS of signoff's with the given purpose; the shared part of links and capabilities. */
export async function verifySigned(
  key: Uint8Array,
  token: string,
  purpose: string,
  now: number,
  what: string,
): Promise<Record<string, unknown>> {
  if (!token || token.length > 4096) throw new AuthError('invalid', `${what} is missing or malformed.`);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      currentDate: new Date(now),
      requiredClaims: ['exp', 'sub'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired)
      throw new AuthError('expired', `${what} has expired.`, { cause: error });
    throw new AuthError('invalid', `${what} is not valid: it was altered or not issued by signoff.`, {
      cause: error,
    });
  }
  if (payload.purpose !== purpose || typeof payload.sub !== 'string') {
    throw new AuthError('invalid', `${what} is not valid for this page.`);
  }
  return payload;
}

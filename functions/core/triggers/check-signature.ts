/** The signature gate every trigger passes first: the named secret must be set and sign the body. */
import { logOf } from '../approval-deps.ts';
import { verifySignature } from './hmac-signature.ts';
import type { TriggerDeps } from './trigger-deps.ts';
import { refuse, type TriggerRequest, type TriggerResponse } from './trigger-request.ts';

/** Which secret and header a trigger checks, and what to log when the secret is not set. */
export interface SignatureCheck {
  secretName: string;
  /** The signature header as its documentation spells it (headers are matched case-insensitively). */
  header: string;
  /** The warning logged (with `context` and the secret's name, never its value) when the secret is not set. */
  missingSecretWarning: string;
  context?: Record<string, unknown>;
}

/** A 401 refusal when the secret is not set or the body's `sha256=` signature is missing or wrong; undefined when it holds. */
export async function checkSignature(
  deps: Pick<TriggerDeps, 'secrets' | 'log'>,
  request: TriggerRequest,
  check: SignatureCheck,
): Promise<TriggerResponse | undefined> {
  const secret = await deps.secrets.get(check.secretName);
  if (!secret) {
    logOf(deps).warn(check.missingSecretWarning, { ...check.context, secret: check.secretName });
    return refuse(401, 'the signature cannot be verified: no webhook secret is configured');
  }
  const signature = request.header(check.header);
  if (!signature) return refuse(401, `${check.header} is missing`);
  if (!verifySignature(request.body, signature, secret)) {
    return refuse(401, `${check.header} does not match the body`);
  }
  return undefined;
}

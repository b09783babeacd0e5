/** The signature gate every trigger passes first: the named secret must be set and sign the body. */
import { logOf } from '../approval/approval-deps.ts';
import { SIGNATURE_WINDOW_SECONDS, verifySignature, verifyTimestamped } from './hmac-signature.ts';
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

/** What a signature check found: a refusal, or the signature that holds (its `v1` when timestamped). */
export type SignatureOutcome =
  | { refused: TriggerResponse }
  | { refused?: undefined; timestamped?: { v1: string } };

/**
 * Checks the request's signature header: `t=<unix seconds>,v1=<hex>` (the body and the time
 * signed together, at most 5 minutes apart from now), or, for the GitHub trigger and for one
 * more release of the generic webhook, `sha256=<hex>` over the body alone. A 401 when the
 * secret is not set or the signature is missing, malformed, too old or wrong.
 */
export async function checkSignature(
  deps: Pick<TriggerDeps, 'secrets' | 'log'> & { now?: () => number },
  request: TriggerRequest,
  check: SignatureCheck & { timestamped?: boolean },
): Promise<SignatureOutcome> {
  const secret = await deps.secrets.get(check.secretName);
  if (!secret) {
    logOf(deps).warn(check.missingSecretWarning, { ...check.context, secret: check.secretName });
    return { refused: refuse(401, 'the signature cannot be verified: no webhook secret is configured') };
  }
  const signature = request.header(check.header);
  if (!signature) return { refused: refuse(401, `${check.header} is missing`) };
  if (check.timestamped && signature.trim().startsWith('t=')) {
    const nowSeconds = Math.floor((deps.now ?? Date.now)() / 1000);
    const found = verifyTimestamped(request.body, signature, secret, nowSeconds);
    if (found.ok) return { timestamped: { v1: found.v1 } };
    const why = {
      malformed: 'is not t=<unix seconds>,v1=<hex HMAC-SHA256>',
      expired: `was made more than ${SIGNATURE_WINDOW_SECONDS} seconds from now (check the sender's clock, or it is a replay)`,
      mismatch: 'does not match the timestamp and the body',
    }[found.problem];
    return { refused: refuse(401, `${check.header} ${why}`) };
  }
  if (!verifySignature(request.body, signature, secret)) {
    return { refused: refuse(401, `${check.header} does not match the body`) };
  }
  if (check.timestamped) {
    logOf(deps).warn('webhook signed without a timestamp (sha256=...): deprecated, send t=...,v1=...', {
      ...check.context,
    });
  }
  return {};
}

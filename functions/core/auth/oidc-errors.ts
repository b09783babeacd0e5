/**
 * Why a sign-in through the identity provider was refused: a reason code for logs and tests and
 * a message a page can show. openid-client's errors are generic (`OAUTH_INVALID_RESPONSE`, ...)
 * with the reason in their cause; `refusalOf` is the one place that reads them.
 */
import * as client from 'openid-client';
import { AuthError } from './auth-error.ts';

/** Why a sign-in was refused. */
export type SigninRefusalReason =
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'token_expired'
  | 'bad_signature'
  | 'unexpected_alg'
  | 'state_mismatch'
  | 'state_replayed'
  | 'state_expired'
  | 'nonce_missing'
  | 'nonce_mismatch'
  | 'groups_missing'
  | 'groups_not_list'
  | 'email_missing'
  | 'email_unverified'
  | 'idp_error'
  | 'code_rejected'
  | 'stale_authentication'
  | 'idp_unreachable'
  | 'identity_conflict'
  | 'no_role'
  | 'unknown';

/**
 * A refused sign-in (AuthError code `signin_refused`); the message never holds a token, code or
 * state. It carries no cause: openid-client's errors hold the token response and the callback's
 * parameters, which must not reach a log.
 */
export class SigninRefused extends AuthError {
  constructor(
    readonly reason: SigninRefusalReason,
    message = MESSAGES[reason],
  ) {
    super('signin_refused', message);
  }

  /** 410 for a sign-in that is over, 502 when the identity provider did not answer, else 400 or 403. */
  override get status(): number {
    switch (this.reason) {
      case 'state_replayed':
      case 'state_expired':
        return 410;
      case 'state_mismatch':
        return 400;
      case 'idp_unreachable':
        return 502;
      default:
        return 403;
    }
  }
}

/** A refusal as a page shows it and a log records it. */
export interface Refusal {
  reason: SigninRefusalReason;
  message: string;
  /** The library's own wording and error codes, for the log (no token, claim value or code in it). */
  detail: string;
}

const AGAIN = 'Start again from the sign-in page.';

const MESSAGES: Record<SigninRefusalReason, string> = {
  wrong_issuer: 'The sign-in came from another identity provider than the one signoff is set up for.',
  wrong_audience: 'The identity provider issued this sign-in for another application, not for signoff.',
  token_expired:
    "The identity provider's answer had expired or was not valid yet. If this keeps happening, a server clock is wrong.",
  bad_signature: "The identity provider's answer was not signed with any of its published keys.",
  unexpected_alg:
    "The identity provider's answer was signed in a way signoff does not accept (only public-key signatures are).",
  state_mismatch: `This sign-in did not start in this browser. ${AGAIN}`,
  state_replayed: `This sign-in was already completed, or signoff does not know it. ${AGAIN}`,
  state_expired: `This sign-in took too long. ${AGAIN}`,
  nonce_missing:
    "The identity provider's answer did not carry the one-time value signoff sent with the sign-in.",
  nonce_mismatch: "The identity provider's answer belongs to another sign-in.",
  groups_missing: 'The identity provider did not say which groups you are in.',
  groups_not_list: "The identity provider's group list is not a list of group names.",
  email_missing: 'The identity provider did not give your email address.',
  email_unverified: 'The identity provider has not verified your email address.',
  idp_error: 'The identity provider refused the sign-in.',
  code_rejected: `The identity provider did not accept the sign-in code: it was already used or has expired. ${AGAIN}`,
  stale_authentication:
    'This needs a recent sign-in, and the identity provider did not confirm one. Sign in again.',
  idp_unreachable: 'signoff could not reach the identity provider. Try again in a minute.',
  identity_conflict:
    'Your email address is already bound to another account at the identity provider. Ask a signoff admin to run `signoff directory sync --revoke` for it.',
  no_role:
    'You signed in, but none of your groups gives you a role in signoff. Ask a signoff admin to add you to a group the directory maps to a role.',
  unknown: `The sign-in through the identity provider failed. ${AGAIN}`,
};

/** What openid-client's innermost messages say, in order of precedence. */
const RULES: readonly [RegExp, SigninRefusalReason][] = [
  [/"nonce" \(nonce\) claim missing/, 'nonce_missing'],
  [/"nonce"/, 'nonce_mismatch'],
  [/"auth_time"|too much time has elapsed since the last End-User authentication/, 'stale_authentication'],
  [/"iss"|metadata issuer does not match/, 'wrong_issuer'],
  [/"aud"|"azp"/, 'wrong_audience'],
  [/"exp"|"nbf"|"iat"/, 'token_expired'],
  [/"alg"|JWS algorithm/, 'unexpected_alg'],
  [/signature verification failed|verification key/, 'bad_signature'],
];

/** Error codes of openid-client meaning the identity provider did not answer as one. */
const UNREACHABLE = new Set([
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
]);

/** An OAuth error code as it may appear in a message: the identity provider's words are not repeated. */
const ERROR_CODE = /^[a-z0-9_.-]{1,64}$/i;

/** Maps whatever a sign-in threw (ours, openid-client's, fetch's) to a reason and a message. */
export function refusalOf(error: unknown): Refusal {
  const detail = detailOf(error);
  if (error instanceof SigninRefused) return { reason: error.reason, message: error.message, detail };
  if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) {
    if (error instanceof client.ResponseBodyError && error.error === 'invalid_grant') {
      return { reason: 'code_rejected', message: MESSAGES.code_rejected, detail };
    }
    const code = ERROR_CODE.test(error.error) ? error.error : 'an unreadable error';
    return {
      reason: 'idp_error',
      message: `The identity provider refused the sign-in (${code}).`,
      detail,
    };
  }
  for (const [pattern, reason] of RULES) {
    if (pattern.test(detail)) return { reason, message: MESSAGES[reason], detail };
  }
  if (isUnreachable(error)) return { reason: 'idp_unreachable', message: MESSAGES.idp_unreachable, detail };
  return { reason: 'unknown', message: MESSAGES.unknown, detail };
}

/**
 * The codes and messages down an error's cause chain, e.g. `OAUTH_INVALID_RESPONSE: JWT "nonce" ...`.
 * Only coded errors (the libraries', the network's) and fetch's own failure give their message:
 * another error's message may quote what it failed on, such as a token response that is not JSON.
 */
function detailOf(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    const labels = [(e as { code?: unknown }).code, (e as { error?: unknown }).error].filter(
      (label): label is string => typeof label === 'string' && ERROR_CODE.test(label),
    );
    const told = labels.length > 0 || e instanceof SigninRefused || isFetchFailure(e);
    parts.push([...labels, told ? e.message : e.name].join(': '));
  }
  return parts.join(' <- ').slice(0, 500);
}

function isUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (isFetchFailure(e)) return true;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
  }
  return false;
}

/** fetch rejects with a TypeError `fetch failed` for a refused connection or a failed DNS lookup. */
function isFetchFailure(error: Error): boolean {
  return error instanceof TypeError && error.message === 'fetch failed';
}

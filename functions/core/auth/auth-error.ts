/** Why a link, session or token was not accepted; pages and the API map the code to a status. */
import { SignoffError } from '../errors.ts';

/** What went wrong, in words a page can show. */
export type AuthErrorCode =
  | 'invalid'
  | 'expired'
  | 'wrong_gate'
  | 'used'
  | 'unknown_user'
  | 'no_session'
  | 'csrf'
  | 'cross_site'
  | 'misconfigured'
  | 'signin_refused';

/** A refused credential; `message` is safe to show, it never contains the credential. */
export class AuthError extends SignoffError {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The HTTP status a page answers with. */
  get status(): number {
    switch (this.code) {
      case 'expired':
      case 'used':
        return 410;
      case 'no_session':
        return 401;
      case 'csrf':
      case 'cross_site':
      case 'unknown_user':
        return 403;
      case 'misconfigured':
        return 500;
      default:
        return 400;
    }
  }
}

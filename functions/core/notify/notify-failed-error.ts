/** The error an http step fails with; its message never carries a URL that came from a secret. */
import { SignoffError } from '../errors.ts';

/** The notification could not be delivered (bad target, network error, timeout or a non-2xx answer). */
export class NotifyFailedError extends SignoffError {}

import { SignoffError } from '../errors.ts';

/** A log cursor this server did not hand out, or one that no longer fits the log. */
export class InvalidLogCursorError extends SignoffError {}

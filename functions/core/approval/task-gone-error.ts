import { SignoffError } from '../errors.ts';

/** The engine no longer waits for this task (timed out, finished, or the token is unknown). */
export class TaskGoneError extends SignoffError {}

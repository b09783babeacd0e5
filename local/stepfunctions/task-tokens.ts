import { createHash, randomBytes } from 'node:crypto';
import { SfnError } from './sfn-error.ts';
import type { AttemptEnd, TaskAttempt } from './task-attempt.ts';

/** How a token's task ended; INTERRUPTED when the local runtime restarted while it waited. */
export type TokenEnd = AttemptEnd | 'INTERRUPTED';

interface TokenOwner {
  executionArn: string;
  stateName: string;
}

/** Hashes a task token; only hashes are kept as keys and written to disk, never the token. */
export function hashTaskToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Mints a task token: 32 random bytes, base64url. */
export function mintTaskToken(): string {
  return randomBytes(32).toString('base64url');
}

const ENDED_MESSAGES: Record<Exclude<TokenEnd, 'TIMED_OUT'>, string> = {
  SUCCEEDED: 'it already succeeded',
  FAILED: 'it already failed',
  ABORTED: 'its execution was stopped',
  INTERRUPTED: 'the local runtime stopped while it was waiting',
};

/** The task tokens this server handed out: the waiting ones, and how the others ended. */
export class TaskTokenRegistry {
  private readonly live = new Map<string, TokenOwner & { attempt: TaskAttempt }>();
  private readonly ended = new Map<string, TokenOwner & { end: TokenEnd }>();

  /** Registers a waiting task under its token's hash; it leaves the live set when the attempt ends. */
  register(tokenHash: string, owner: TokenOwner, attempt: TaskAttempt): void {
    this.live.set(tokenHash, { ...owner, attempt });
  }

  /** Moves a token to the ended set (called when its attempt ends). */
  close(tokenHash: string, end: TokenEnd): void {
    const entry = this.live.get(tokenHash);
    if (!entry) return;
    this.live.delete(tokenHash);
    this.ended.set(tokenHash, { executionArn: entry.executionArn, stateName: entry.stateName, end });
  }

  /** Remembers how a token from a previous process ended, so late callers get a clear answer. */
  remember(tokenHash: string, owner: TokenOwner, end: TokenEnd): void {
    this.ended.set(tokenHash, { ...owner, end });
  }

  /** The waiting attempt behind a token, or the AWS error for a token that cannot take a result. */
  resolve(token: string): TaskAttempt {
    if (token.length === 0 || token.length > 2048) {
      throw new SfnError('ValidationException', 'taskToken must be 1 to 2048 characters');
    }
    const tokenHash = hashTaskToken(token);
    const live = this.live.get(tokenHash);
    if (live) return live.attempt;
    const ended = this.ended.get(tokenHash);
    if (!ended) throw new SfnError('InvalidToken', 'Invalid Token: no task was issued this token');
    const task = `the task of state "${ended.stateName}" in ${ended.executionArn}`;
    if (ended.end === 'TIMED_OUT') {
      throw new SfnError('TaskTimedOut', `Task Timed Out: ${task} timed out and no longer takes a result`);
    }
    throw new SfnError(
      'TaskDoesNotExist',
      `Task does not exist anymore: ${ENDED_MESSAGES[ended.end]} (${task})`,
    );
  }
}

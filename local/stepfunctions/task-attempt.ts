import { TaskFailure } from './task-failure.ts';

/** How a task attempt ended. */
export type AttemptEnd = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What a task attempt reports as it ends, so the history records it once, in order. */
export interface AttemptHooks {
  succeeded(output: unknown): void;
  failed(failure: TaskFailure): void;
  timedOut(failure: TaskFailure): void;
}

/** The interpreter's limit for a Task without TimeoutSeconds (AWS itself has none). */
export const INTERPRETER_DEFAULT_TIMEOUT_SECONDS = 60;

/**
 * One run of one Task state: a promise the interpreter awaits, settled once, with the
 * state's TimeoutSeconds and HeartbeatSeconds clocks.
 */
export class TaskAttempt {
  readonly result: Promise<unknown>;
  private resolveResult!: (value: unknown) => void;
  private rejectResult!: (error: Error) => void;
  private end: AttemptEnd | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly endListeners: ((end: AttemptEnd) => void)[] = [];
  private readonly heartbeatListeners: (() => void)[] = [];

  /**
   * `firstHeartbeatSeconds` arms the first HeartbeatSeconds clock for less than a full interval
   * (a task resumed after a restart keeps the clock it had).
   */
  constructor(
    private readonly timeouts: {
      timeoutSeconds?: number;
      heartbeatSeconds?: number;
      firstHeartbeatSeconds?: number;
    },
    private readonly hooks: AttemptHooks,
  ) {
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The interpreter awaits `result` a tick later; this keeps an early rejection from counting as unhandled.
    this.result.catch(() => undefined);
    if (timeouts.timeoutSeconds !== undefined) {
      this.timeoutTimer = setTimeout(() => this.expire(), timeouts.timeoutSeconds * 1000);
    }
    this.armHeartbeat(timeouts.firstHeartbeatSeconds);
  }

  /** Whether the attempt still accepts a result. */
  get isOpen(): boolean {
    return this.end === undefined;
  }

  /** How the attempt ended, or undefined while it runs. */
  get outcome(): AttemptEnd | undefined {
    return this.end;
  }

  /** Ends the attempt with a result; false when it had already ended. */
  succeed(output: unknown): boolean {
    if (!this.close('SUCCEEDED')) return false;
    this.hooks.succeeded(output);
    this.notifyEnd('SUCCEEDED');
    this.resolveResult(output);
    return true;
  }

  /** Ends the attempt with an error the state's Retry/Catch sees; false when it had already ended. */
  fail(failure: TaskFailure): boolean {
    if (!this.close('FAILED')) return false;
    this.hooks.failed(failure);
    this.notifyEnd('FAILED');
    this.rejectResult(failure);
    return true;
  }

  /** Calls `listener` once, when the attempt ends (right away if it already has). */
  onEnd(listener: (end: AttemptEnd) => void): void {
    if (this.end === undefined) this.endListeners.push(listener);
    else listener(this.end);
  }

  /** Restarts the HeartbeatSeconds clock; false when the attempt had already ended. */
  heartbeat(): boolean {
    if (!this.isOpen) return false;
    this.armHeartbeat();
    for (const listener of this.heartbeatListeners) listener();
    return true;
  }

  /** Calls `listener` on every accepted heartbeat. */
  onHeartbeat(listener: () => void): void {
    this.heartbeatListeners.push(listener);
  }

  /**
   * Marks the attempt timed out by TimeoutSeconds. The interpreter's own timer raises the
   * States.Timeout the ASL catches, so the promise is left pending: settling it here could
   * win the interpreter's race with an error `States.TaskFailed` would wrongly match.
   */
  expire(): void {
    if (!this.close('TIMED_OUT')) return;
    this.hooks.timedOut(
      new TaskFailure('States.Timeout', 'The task did not finish within its TimeoutSeconds'),
    );
    this.notifyEnd('TIMED_OUT');
  }

  /** Ends the attempt because its execution stopped; the rejection frees the interpreter's timers. */
  abort(): void {
    if (!this.close('ABORTED')) return;
    this.notifyEnd('ABORTED');
    this.rejectResult(new TaskFailure('States.Runtime', 'The execution was stopped'));
  }

  private armHeartbeat(seconds = this.timeouts.heartbeatSeconds): void {
    if (this.timeouts.heartbeatSeconds === undefined || seconds === undefined) return;
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => {
      if (!this.close('TIMED_OUT')) return;
      const failure = new TaskFailure('States.HeartbeatTimeout', 'No heartbeat within HeartbeatSeconds');
      this.hooks.timedOut(failure);
      this.notifyEnd('TIMED_OUT');
      this.rejectResult(failure);
    }, Math.max(0, seconds) * 1000);
  }

  private notifyEnd(end: AttemptEnd): void {
    for (const listener of this.endListeners.splice(0)) listener(end);
  }

  private close(end: AttemptEnd): boolean {
    if (this.end !== undefined) return false;
    this.end = end;
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.heartbeatTimer);
    return true;
  }
}

/**
 * Error names that the compiled state machines match in `Catch` and that appear as a
 * failed run's error. They are a public interface: the ASL, the handlers and the UI
 * all use these, so they live here and nowhere else.
 */
export const ErrorName = {
  /** An eligible approver rejected the gate. */
  Rejected: 'Rejected',
  /** The gate timed out with `on_timeout: cancel`. */
  Cancelled: 'Cancelled',
  /** The gate timed out with `on_timeout: reject`. */
  TimedOut: 'TimedOut',
  /** The plan build failed. */
  PlanFailed: 'PlanFailed',
  /** A mandatory policy failed on the plan. */
  PolicyFailed: 'PolicyFailed',
  /** The re-plan at apply time differs from the approved plan. */
  PlanDrift: 'PlanDrift',
  /** The apply build failed. */
  ApplyFailed: 'ApplyFailed',
  /** A condition read a field the run does not have (`when_missing: fail`). */
  ConditionFieldMissing: 'ConditionFieldMissing',
  /** The run was stopped by hand. */
  Stopped: 'Stopped',
  /** Another run held the project's lock for longer than the workflow waits for it. */
  ProjectLocked: 'ProjectLocked',
  /** A change freeze with `apply: fail` was in effect when the run reached its apply. */
  Frozen: 'Frozen',
} as const;

export type ErrorName = (typeof ErrorName)[keyof typeof ErrorName];

/** Base class of every domain error: a stable `name` and an optional cause. */
export class SignoffError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A step failure whose `name` is one of `ErrorName`, so Step Functions can catch it. */
export class StepFailedError extends SignoffError {
  constructor(
    readonly errorName: ErrorName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // Lambda reports `name` as the error type; Step Functions' Catch matches on it.
    this.name = errorName;
  }
}

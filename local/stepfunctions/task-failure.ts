/** A task error as Step Functions sees it: `name` is the Error a Catch matches, `message` the Cause. */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/**
 * A failure no Catch or Retry may handle (the interpreter reads `isCatchable`/`isRetryable`),
 * for problems of the local runtime itself such as an unsupported resource.
 */
export class UncatchableTaskFailure extends TaskFailure {
  get isCatchable(): boolean {
    return false;
  }

  get isRetryable(): boolean {
    return false;
  }
}

/** Turns anything a handler threw into a TaskFailure: Error = the error's name, Cause = its message. */
export function toTaskFailure(error: unknown): TaskFailure {
  if (error instanceof TaskFailure) return error;
  if (error instanceof Error) return new TaskFailure(error.name || 'Error', error.message);
  return new TaskFailure('Error', String(error));
}

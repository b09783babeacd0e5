/** The AWS error codes this server answers with (the `__type` of a JSON 1.0 error). */
export type SfnErrorCode =
  | 'ExecutionDoesNotExist'
  | 'ExecutionAlreadyExists'
  | 'ExecutionLimitExceeded'
  | 'StateMachineDoesNotExist'
  | 'StateMachineAlreadyExists'
  | 'InvalidArn'
  | 'InvalidName'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'UnknownOperationException'
  | 'SerializationException';

/** An error the caller sees as an HTTP 400 with `{"__type": code, "message": ...}`. */
export class SfnError extends Error {
  readonly code: SfnErrorCode;

  constructor(code: SfnErrorCode, message: string) {
    super(message);
    this.name = code;
    this.code = code;
  }
}

/** Narrows an unknown thrown value to an SfnError. */
export function isSfnError(error: unknown): error is SfnError {
  return error instanceof SfnError;
}

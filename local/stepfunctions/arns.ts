/** Where the local server's ARNs live: the region and account it pretends to be. */
export interface ArnScope {
  region: string;
  accountId: string;
}

// AWS forbids whitespace, brackets, wildcards, these punctuation marks and control characters in names.
const FORBIDDEN_NAME_CHARS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]|\p{Cc}/u;

/** Whether a state machine or execution name is acceptable to Step Functions (1–80 characters, no forbidden characters). */
export function isValidName(name: string): boolean {
  return name.length >= 1 && name.length <= 80 && !FORBIDDEN_NAME_CHARS.test(name);
}

/** Builds the ARN of a state machine. */
export function stateMachineArn(scope: ArnScope, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:stateMachine:${name}`;
}

/** Builds the ARN of an execution of a state machine. */
export function executionArn(scope: ArnScope, stateMachineName: string, executionName: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:execution:${stateMachineName}:${executionName}`;
}

/** Turns a Lambda function name, partial ARN or full ARN into a full function ARN. */
export function lambdaFunctionArn(scope: ArnScope, functionName: string): string {
  if (functionName.startsWith('arn:')) return functionName;
  if (/^\d{12}:function:/.test(functionName)) return `arn:aws:lambda:${scope.region}:${functionName}`;
  const bare = functionName.startsWith('function:') ? functionName.slice('function:'.length) : functionName;
  return `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${bare}`;
}

/** Builds the ARN of a CodeBuild build from its id (`project:uuid`). */
export function buildArn(scope: ArnScope, buildId: string): string {
  return `arn:aws:codebuild:${scope.region}:${scope.accountId}:build/${buildId}`;
}

import type { TaskSpec } from './definition.ts';

/** How the server runs a Task state, decided from its `Resource`. */
export type TaskResource =
  | { kind: 'lambda-function'; functionArn: string }
  | { kind: 'lambda-invoke' }
  | { kind: 'lambda-invoke-wait' }
  | { kind: 'codebuild-sync' }
  | { kind: 'unsupported' };

const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+(:[^:]+)?$/;
const INTEGRATIONS: Record<string, TaskResource> = {
  'arn:aws:states:::lambda:invoke': { kind: 'lambda-invoke' },
  'arn:aws:states:::lambda:invoke.waitForTaskToken': { kind: 'lambda-invoke-wait' },
  'arn:aws:states:::codebuild:startBuild.sync': { kind: 'codebuild-sync' },
};

/** The resources this server can run, for error messages. */
export const SUPPORTED_RESOURCES =
  'Lambda function ARNs, arn:aws:states:::lambda:invoke[.waitForTaskToken] and arn:aws:states:::codebuild:startBuild.sync';

/** Classifies a Task state's resource. */
export function classifyResource(resource: string): TaskResource {
  if (LAMBDA_FUNCTION_ARN.test(resource)) return { kind: 'lambda-function', functionArn: resource };
  return INTEGRATIONS[resource] ?? { kind: 'unsupported' };
}

/** AWS's `resourceType` and `resource` fields of task events (`lambda` / `invoke.waitForTaskToken`). */
export function resourceFields(spec: TaskSpec): { resourceType: string; resource: string } {
  const integration = /^arn:aws[a-z-]*:states:::([^:]+):(.+)$/.exec(spec.resource);
  if (integration?.[1] && integration[2]) return { resourceType: integration[1], resource: integration[2] };
  return { resourceType: 'lambda', resource: spec.resource };
}

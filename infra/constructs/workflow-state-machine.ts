/**
 * One Standard state machine for one compiled workflow: the ASL from `compileWorkflow`, its
 * `${Placeholder}`s substituted by CloudFormation with the real function ARNs and CodeBuild
 * project names, logging ALL to its own log group, X-Ray tracing, and a role that may call
 * exactly the functions and build projects this workflow uses.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Project } from 'aws-cdk-lib/aws-codebuild';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { CompiledWorkflow } from '../workflows.ts';
import { acknowledge } from './nag.ts';

/** The resources a workflow's placeholders can stand for. */
export interface PlaceholderTargets {
  /** Placeholder -> Lambda function (RequestApprovalFunctionArn, ...). */
  functions: ReadonlyMap<string, IFunction>;
  /** Placeholder -> CodeBuild project (BuildProject_<project>_<plan or apply>). */
  buildProjects: ReadonlyMap<string, Project>;
}

/** What one workflow's state machine is built from. */
export interface WorkflowStateMachineProps {
  compiled: CompiledWorkflow;
  stateMachineName: string;
  targets: PlaceholderTargets;
}

/** The `.sync` CodeBuild integration manages this EventBridge rule to learn when a build ends. */
export const CODEBUILD_SYNC_RULE = 'StepFunctionsGetEventForCodeBuildStartBuildRule';

/** A workflow's state machine. */
export class WorkflowStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    const { compiled, targets } = props;
    const substitutions: Record<string, string> = {};
    const functionArns: string[] = [];
    const projectArns: string[] = [];
    for (const placeholder of compiled.placeholders) {
      const fn = targets.functions.get(placeholder);
      const project = targets.buildProjects.get(placeholder);
      if (fn) {
        substitutions[placeholder] = fn.functionArn;
        functionArns.push(fn.functionArn);
      } else if (project) {
        substitutions[placeholder] = project.projectName;
        projectArns.push(project.projectArn);
      } else {
        throw new Error(
          `${compiled.file}: the compiled workflow references \${${placeholder}}, which the stack does not provide`,
        );
      }
    }

    this.logGroup = new LogGroup(this, 'Logs', {
      // The vended-logs prefix keeps the log delivery resource policy small with many state machines.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      comment: compiled.definition.Comment,
      definitionBody: DefinitionBody.fromString(JSON.stringify(compiled.definition)),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: LogLevel.ALL,
        // Execution data would put each gate's task token into the logs.
        includeExecutionData: false,
      },
    });

    if (functionArns.length > 0) {
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: functionArns }),
      );
    }
    if (projectArns.length > 0) {
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({
          actions: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'],
          resources: projectArns,
        }),
      );
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({
          actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          resources: [
            Stack.of(this).formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: CODEBUILD_SYNC_RULE,
            }),
          ],
        }),
      );
    }
    acknowledge(
      this,
      'AwsSolutions-IAM5[Resource::*]',
      'Required by AWS: X-Ray (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs delivery (logs:CreateLogDelivery and related) do not support resource-level permissions.',
    );
  }
}

/**
 * The workflows' `triggers.schedule`: one EventBridge Scheduler schedule per scheduled workflow,
 * in its time zone, invoking the webhook function with the slot it is for. Scheduler fills
 * `<aws.scheduler.scheduled-time>` in the input ("Context attributes", EventBridge Scheduler User
 * Guide), so a retried invocation names the same slot and starts no second run. The role the
 * schedules run as may invoke that function and nothing else. CloudFormation names the
 * schedules, so a second deployment in the account never collides with the first.
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { ScheduledStart } from '../../functions/core/triggers/start-scheduled-run.ts';
import { parseCron, toSchedulerExpression } from '../../statemachines/schedule.ts';
import type { Workflow } from '../../statemachines/schema.ts';

/** Tries of a failed invocation, and for how long: a slot older than an hour is left out. */
const RETRY_POLICY = { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 };

export interface WorkflowSchedulesProps {
  workflows: Workflow[];
  /** The function that starts a slot's run. */
  target: IFunction;
}

export class WorkflowSchedules extends Construct {
  readonly schedules: CfnSchedule[] = [];

  constructor(scope: Construct, id: string, props: WorkflowSchedulesProps) {
    super(scope, id);
    const scheduled = props.workflows.filter((w) => w.triggers.schedule);
    if (scheduled.length === 0) return;
    const role = new Role(this, 'Role', {
      description: 'Assumed by EventBridge Scheduler to start scheduled signoff runs',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    role.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }),
    );
    for (const workflow of scheduled) {
      const schedule = workflow.triggers.schedule;
      if (!schedule) continue;
      const input: ScheduledStart = {
        kind: 'scheduled_start',
        workflow: workflow.name,
        scheduled_time: '<aws.scheduler.scheduled-time>',
      };
      this.schedules.push(
        new CfnSchedule(this, workflow.name, {
          description: `Starts ${workflow.name} at ${schedule.cron} (${schedule.timezone})`,
          scheduleExpression: toSchedulerExpression(parseCron(schedule.cron)),
          scheduleExpressionTimezone: schedule.timezone,
          flexibleTimeWindow: { mode: 'OFF' },
          state: 'ENABLED',
          target: {
            arn: props.target.functionArn,
            roleArn: role.roleArn,
            input: JSON.stringify(input),
            retryPolicy: RETRY_POLICY,
          },
        }),
      );
    }
  }
}

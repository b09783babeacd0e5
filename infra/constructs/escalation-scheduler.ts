/**
 * EventBridge Scheduler for escalations: a schedule group for the one-time schedules that
 * request-approval creates per escalation level, and the role those schedules run as, which
 * may invoke the escalate function and nothing else.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';

/** Where escalations are scheduled and what they invoke. */
export interface EscalationSchedulerProps {
  groupName: string;
  /** ARN of the escalate function (built from its name, so the functions' environment can hold it). */
  escalateFunctionArn: string;
}

/** The schedule group and the role its schedules assume. */
export class EscalationScheduler extends Construct {
  readonly group: ScheduleGroup;
  readonly role: Role;
  readonly escalateFunctionArn: string;

  constructor(scope: Construct, id: string, props: EscalationSchedulerProps) {
    super(scope, id);
    this.escalateFunctionArn = props.escalateFunctionArn;
    this.group = new ScheduleGroup(this, 'Group', {
      scheduleGroupName: props.groupName,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      description: 'Assumed by EventBridge Scheduler to invoke the signoff escalate function',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.escalateFunctionArn] }),
    );
  }

  /** ARN pattern of the schedules in the group (their names are made per gate and level). */
  get scheduleArns(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
    });
  }
}

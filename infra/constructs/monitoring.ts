/**
 * CloudWatch alarms (function errors, failed runs, approvals timing out too often) and a
 * dashboard with runs, approvals, response time and timeouts.
 */
import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/metric-names.ts';

/** What is watched. */
export interface MonitoringProps {
  dashboardName: string;
  functions: { name: string; fn: IFunction }[];
  stateMachines: { workflow: string; stateMachine: StateMachine }[];
  /** Alarm when more than this percent of a day's approval requests time out. */
  timeoutAlarmPercent: number;
  /** Alarm when a workflow has this many failed executions in an hour. */
  failedRunsAlarmThreshold: number;
  alarmTopicArn?: string;
}

/** A signoff metric from the handlers (Powertools EMF, dimension service=signoff). */
export function signoffMetric(name: string, statistic: string, period: Duration): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period,
  });
}

/** The alarms and the dashboard. */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const topic = props.alarmTopicArn
      ? Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)
      : undefined;
    const add = (alarm: Alarm) => {
      if (topic) alarm.addAlarmAction(new SnsAction(topic));
      this.alarms.push(alarm);
    };

    for (const { name, fn } of props.functions) {
      add(
        fn
          .metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })
          .createAlarm(this, `${name}-Errors`, {
            alarmDescription: `The ${name} function failed (an error or a timeout) in the last 5 minutes.`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
      );
    }
    for (const { workflow, stateMachine } of props.stateMachines) {
      add(
        stateMachine
          .metricFailed({ period: Duration.hours(1), statistic: 'Sum' })
          .createAlarm(this, `${workflow}-Failed`, {
            alarmDescription: `At least ${props.failedRunsAlarmThreshold} runs of ${workflow} failed in an hour. Rejected, cancelled and timed-out approvals also end a run as failed; look at the run pages or the audit trail for the reason.`,
            threshold: props.failedRunsAlarmThreshold,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
      );
    }
    const timeoutPercent = this.timeoutPercent(Duration.days(1));
    add(
      timeoutPercent.createAlarm(this, 'ApprovalTimeouts', {
        alarmDescription: `More than ${props.timeoutAlarmPercent}% of the approvals requested in a day timed out: approvers may not be getting the Slack messages or emails, or the gates' timeouts are too short.`,
        threshold: props.timeoutAlarmPercent,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    const hour = Duration.hours(1);
    const perWorkflow = (label: string, metric: (sm: StateMachine) => IMetric) =>
      props.stateMachines.map(({ workflow, stateMachine }) =>
        (metric(stateMachine) as Metric).with({
          label: `${workflow} ${label}`,
          period: hour,
          statistic: 'Sum',
        }),
      );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Runs started and failed (per hour)',
        left: perWorkflow('started', (sm) => sm.metricStarted()),
        right: perWorkflow('failed', (sm) => sm.metricFailed()),
        width: 12,
      }),
      new GraphWidget({
        title: 'Approvals requested and timed out (per hour)',
        left: [
          signoffMetric(METRIC.approvalRequested, 'Sum', hour).with({ label: 'requested' }),
          signoffMetric(METRIC.approvalTimedOut, 'Sum', hour).with({ label: 'timed out' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Approval response time (ms, request to decision)',
        left: [
          signoffMetric(METRIC.approvalResponseTimeMs, 'p50', hour).with({ label: 'median' }),
          signoffMetric(METRIC.approvalResponseTimeMs, 'p90', hour).with({ label: 'p90' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Approvals timed out (% of requested, per day)',
        left: [timeoutPercent],
        leftAnnotations: [{ value: props.timeoutAlarmPercent, label: 'alarm' }],
        width: 12,
      }),
      new GraphWidget({
        title: 'Function errors (per 5 minutes)',
        left: props.functions.map(({ name, fn }) =>
          fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum', label: name }),
        ),
        width: 12,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
  }

  private timeoutPercent(period: Duration): MathExpression {
    return new MathExpression({
      label: 'timed out %',
      period,
      // A gate can time out on a later day than it was requested: count that day as 100%.
      expression:
        'IF(FILL(requested, 0) > 0, 100 * FILL(timedOut, 0) / FILL(requested, 0), IF(FILL(timedOut, 0) > 0, 100, 0))',
      usingMetrics: {
        requested: signoffMetric(METRIC.approvalRequested, 'Sum', period),
        timedOut: signoffMetric(METRIC.approvalTimedOut, 'Sum', period),
      },
    });
  }
}

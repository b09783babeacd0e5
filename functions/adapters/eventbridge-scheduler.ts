/**
 * Scheduler on EventBridge Scheduler: one one-time `at(...)` schedule per escalation level that
 * invokes the escalate function with `{ gate_id, index }` and deletes itself after it ran.
 */
import { ConflictException, CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Scheduler } from '../core/ports.ts';

/** Where the schedules go and what they call. */
export interface EventBridgeSchedulerOptions {
  /** ARN of the escalate Lambda function. */
  targetArn: string;
  /** Role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
  groupName: string;
}

/** The event the escalate handler receives from a schedule. */
export interface EscalationEvent {
  gate_id: string;
  index: number;
}

/** Scheduler that creates EventBridge Scheduler one-time schedules. */
export class EventBridgeScheduler implements Scheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly options: EventBridgeSchedulerOptions,
  ) {}

  async scheduleEscalation(gateId: string, index: number, at: Date): Promise<void> {
    const input: EscalationEvent = { gate_id: gateId, index };
    try {
      await this.client.send(
        new CreateScheduleCommand({
          // Deterministic, so a retried request finds the schedule already there.
          Name: `signoff-${gateId}-${index}`,
          GroupName: this.options.groupName,
          ScheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: this.options.targetArn,
            RoleArn: this.options.roleArn,
            Input: JSON.stringify(input),
            RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConflictException) return;
      throw error;
    }
  }
}

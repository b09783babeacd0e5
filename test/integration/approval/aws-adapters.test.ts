import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgeScheduler } from '../../../functions/adapters/eventbridge-scheduler.ts';
import { SfnWorkflowEngine } from '../../../functions/adapters/sfn-workflow-engine.ts';
import { TaskGoneError } from '../../../functions/core/approval/task-gone-error.ts';
import { startFakeAwsServer } from '../../support/fake-aws-server.ts';

type Fake = Awaited<ReturnType<typeof startFakeAwsServer>>;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let fake: Fake;
beforeAll(async () => {
  fake = await startFakeAwsServer();
});
afterAll(async () => {
  await fake?.stop();
});

describe('SfnWorkflowEngine', () => {
  const engine = () =>
    new SfnWorkflowEngine(
      new SFNClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }),
    );

  it('sends the decision as SendTaskSuccess output and the failure with error and cause', async () => {
    fake.requests.length = 0;
    await engine().sendTaskSuccess('tok-1', { status: 'approved' });
    await engine().sendTaskFailure('tok-2', 'Rejected', '{"message":"no"}');
    expect(fake.requests.map((r) => r.headers['x-amz-target'])).toEqual([
      'AWSStepFunctions.SendTaskSuccess',
      'AWSStepFunctions.SendTaskFailure',
    ]);
    expect(JSON.parse(fake.requests[0]?.body ?? '')).toEqual({
      taskToken: 'tok-1',
      output: '{"status":"approved"}',
    });
    expect(JSON.parse(fake.requests[1]?.body ?? '')).toEqual({
      taskToken: 'tok-2',
      error: 'Rejected',
      cause: '{"message":"no"}',
    });
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])(
    'turns %s into a TaskGoneError that does not quote the token',
    async (type) => {
      fake.respond({ status: 400, body: { __type: type, message: 'Task token SECRET-TOKEN is not valid' } });
      const error = await engine()
        .sendTaskSuccess('SECRET-TOKEN', {})
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskGoneError);
      expect(String((error as Error).message)).not.toContain('SECRET-TOKEN');
    },
  );

  it('passes other failures through, so the gate stays owed for recovery', async () => {
    fake.respond({ status: 400, body: { __type: 'ThrottlingException', message: 'slow down' } });
    await expect(engine().sendTaskSuccess('tok', {})).rejects.not.toBeInstanceOf(TaskGoneError);
  });
});

describe('EventBridgeScheduler', () => {
  const scheduler = () =>
    new EventBridgeScheduler(
      new SchedulerClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }),
      {
        targetArn: 'arn:aws:lambda:us-east-1:111111111111:function:escalate',
        roleArn: 'arn:aws:iam::111111111111:role/scheduler',
        groupName: 'signoff',
      },
    );

  it('creates a one-time schedule that calls escalate with the gate and level, then deletes itself', async () => {
    fake.requests.length = 0;
    fake.respond({
      status: 200,
      body: { ScheduleArn: 'arn:x' },
      headers: { 'content-type': 'application/json' },
    });
    await scheduler().scheduleEscalation(
      'g_0123456789abcdef01234567',
      1,
      new Date('2026-11-25T11:00:00.000Z'),
    );
    const [request] = fake.requests;
    expect(request?.path).toBe('/schedules/signoff-g_0123456789abcdef01234567-1');
    const body = JSON.parse(request?.body ?? '{}');
    expect(body).toMatchObject({
      GroupName: 'signoff',
      ScheduleExpression: 'at(2026-11-25T11:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: 'arn:aws:lambda:us-east-1:111111111111:function:escalate' },
    });
    expect(JSON.parse(body.Target.Input)).toEqual({ gate_id: 'g_0123456789abcdef01234567', index: 1 });
  });

  it('treats an existing schedule of the same name as done (a retried request)', async () => {
    fake.respond({
      status: 409,
      body: { Message: 'exists' },
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ConflictException' },
    });
    await expect(
      scheduler().scheduleEscalation('g_0123456789abcdef01234567', 0, new Date('2026-11-25T11:00:00Z')),
    ).resolves.toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachine, fn, type Harness, startHarness } from './harness.ts';

let h: Harness;
let endpoint: string;
beforeAll(async () => {
  h = await startHarness();
  endpoint = h.endpoint;
});
afterAll(async () => {
  await h.close();
});

function call(target: string, body: unknown) {
  return fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('the AWS JSON 1.0 protocol', () => {
  it('listens on the loopback interface only', () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers errors as HTTP 400 with __type and message', async () => {
    const response = await call('AWSStepFunctions.DescribeExecution', {
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:none:none',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await response.json()).toEqual({
      __type: 'ExecutionDoesNotExist',
      message: "Execution Does Not Exist: 'arn:aws:states:us-east-1:000000000000:execution:none:none'",
    });
  });

  it('carries dates as epoch seconds', async () => {
    h.lambdas.on('noop', () => ({}));
    const stateMachineArn = await createMachine(h, 'wire', {
      StartAt: 'Noop',
      States: { Noop: { Type: 'Task', Resource: fn('noop'), TimeoutSeconds: 5, End: true } },
    });
    const before = Date.now() / 1000;

    const response = await call('AWSStepFunctions.StartExecution', { stateMachineArn, input: '{}' });
    const body = (await response.json()) as { executionArn: string; startDate: number };

    expect(response.status).toBe(200);
    expect(typeof body.startDate).toBe('number');
    expect(body.startDate).toBeGreaterThanOrEqual(Math.floor(before));
    await h.sfn.waitForExecution(body.executionArn);
  });

  it('refuses an unknown operation, a missing member and a body that is not JSON', async () => {
    const unknown = await call('AWSStepFunctions.DeleteEverything', {});
    const missing = await call('AWSStepFunctions.StartExecution', {});
    const garbled = await call('AWSStepFunctions.ListStateMachines', '{oops');

    expect([unknown.status, missing.status, garbled.status]).toEqual([400, 400, 400]);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');
    expect(((await missing.json()) as { __type: string }).__type).toBe('ValidationException');
    expect(((await garbled.json()) as { __type: string }).__type).toBe('SerializationException');
  });
});

import type { ExecutionRecord } from './records.ts';
import { compact } from './requests.ts';
import { SfnError } from './sfn-error.ts';

/** The largest input or output Step Functions accepts, in bytes. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Checks an execution input: a JSON object of at most 256 KiB, else InvalidExecutionInput. */
export function checkInput(input: string): void {
  if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES) {
    throw new SfnError('InvalidExecutionInput', 'Invalid Execution Input: larger than 262144 bytes');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    throw new SfnError('InvalidExecutionInput', 'Invalid Execution Input: not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SfnError('InvalidExecutionInput', 'Invalid Execution Input: must be a JSON object');
  }
}

/** DescribeExecution's answer for a record. */
export function describeRecord(record: ExecutionRecord): Record<string, unknown> {
  return compact({
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: new Date(record.startDate),
    stopDate: record.stopDate === undefined ? undefined : new Date(record.stopDate),
    input: record.input,
    inputDetails: { included: true },
    output: record.output,
    outputDetails: record.output === undefined ? undefined : { included: true },
    error: record.error,
    cause: record.cause,
  });
}

/**
 * RunEngine on Step Functions: StartExecution named by the run id (so a retried start finds the
 * same execution), DescribeExecution and GetExecutionHistory for the run pages.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { ExecutionInput } from '../../statemachines/contract.ts';
import type { RunEngine, RunStatus, StepRecord } from '../core/ports.ts';

/** RunEngine backed by the real `@aws-sdk/client-sfn` (AWS, or the local Step Functions server). */
export class SfnRunEngine implements RunEngine {
  constructor(private readonly client: SFNClient) {}

  async start(stateMachineArn: string, runId: string, input: ExecutionInput) {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({ stateMachineArn, name: runId, input: JSON.stringify(input) }),
      );
      return {
        executionArn: out.executionArn as string,
        startedAt: (out.startDate ?? new Date()).toISOString(),
      };
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return { executionArn, startedAt: (out.startDate ?? new Date()).toISOString() };
    }
  }

  async describe(executionArn: string) {
    const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
    return {
      status: (out.status ?? 'RUNNING') as RunStatus,
      stopped_at: out.stopDate?.toISOString(),
      error: out.error,
      cause: out.cause,
    };
  }

  async history(executionArn: string): Promise<StepRecord[]> {
    return stepsFromHistory(await readExecutionHistory(this.client, executionArn, false));
  }

  async stop(executionArn: string, error: string, cause: string): Promise<void> {
    await this.client.send(new StopExecutionCommand({ executionArn, error, cause }));
  }
}

/** Folds history events into one record per state entered, in order. */
export function stepsFromHistory(events: HistoryEvent[]): StepRecord[] {
  const steps: StepRecord[] = [];
  const open = new Map<string, StepRecord>();
  for (const event of events) {
    const at = (event.timestamp ?? new Date()).toISOString();
    const type = event.type ?? '';
    if (type.endsWith('StateEntered')) {
      const name = event.stateEnteredEventDetails?.name ?? '?';
      const step: StepRecord = { state: name, entered_at: at, status: 'running' };
      steps.push(step);
      open.set(name, step);
    } else if (type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'codebuild') {
      // A build waits for a worker between TaskScheduled and TaskStarted (the local build
      // runner's queue; in AWS, StartBuild returns at once and the step shows running).
      const step = steps.at(-1);
      if (step?.status === 'running') step.status = 'queued';
    } else if (type === 'TaskStarted') {
      const step = steps.at(-1);
      if (step?.status === 'queued') step.status = 'running';
    } else if (type.endsWith('StateExited')) {
      const step = open.get(event.stateExitedEventDetails?.name ?? '');
      if (step) {
        step.exited_at = at;
        if (step.status === 'running' || step.status === 'queued') step.status = 'succeeded';
      }
    } else if (
      type === 'TaskFailed' ||
      type === 'LambdaFunctionFailed' ||
      type === 'TaskTimedOut' ||
      type === 'LambdaFunctionTimedOut'
    ) {
      const step = steps.at(-1);
      const details =
        event.taskFailedEventDetails ??
        event.lambdaFunctionFailedEventDetails ??
        event.taskTimedOutEventDetails ??
        event.lambdaFunctionTimedOutEventDetails;
      if (step) {
        step.status = 'caught';
        step.error = details?.error;
      }
    } else if (type === 'ExecutionFailed' || type === 'ExecutionAborted' || type === 'ExecutionTimedOut') {
      const step = steps.at(-1);
      if (step && !step.exited_at) {
        step.status = 'failed';
        step.exited_at = at;
      }
    }
  }
  return steps;
}

/** Every event of an execution's history, page by page (1,000 a page, the API's most). */
export async function readExecutionHistory(
  client: SFNClient,
  executionArn: string,
  includeExecutionData: boolean,
): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000, includeExecutionData }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

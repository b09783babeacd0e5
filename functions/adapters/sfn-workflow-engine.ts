/**
 * WorkflowEngine on Step Functions: SendTaskSuccess / SendTaskFailure with the gate's task token.
 * A task that is gone (timed out, finished, unknown token) becomes a TaskGoneError whose message
 * never quotes the token.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TaskGoneError } from '../core/approval/task-gone-error.ts';
import type { WorkflowEngine } from '../core/ports.ts';

const GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);
/** Step Functions' limits on a task failure's error and cause. */
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

/** WorkflowEngine backed by the real `@aws-sdk/client-sfn` (AWS, or the local Step Functions server). */
export class SfnWorkflowEngine implements WorkflowEngine {
  constructor(private readonly client: SFNClient) {}

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    await this.send(() =>
      this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await this.send(() =>
      this.client.send(
        new SendTaskFailureCommand({
          taskToken,
          error: error.slice(0, MAX_ERROR),
          cause: cause.slice(0, MAX_CAUSE),
        }),
      ),
    );
  }

  private async send(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (GONE.has(name)) throw new TaskGoneError(`the task no longer waits (${name})`, { cause: name });
      throw error;
    }
  }
}

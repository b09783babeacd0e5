/**
 * A WorkflowEngine that records every call instead of talking to Step Functions (tests, benchmarks).
 * `failNext` makes the next call throw, to simulate an engine outage or a task that is gone.
 */
import type { WorkflowEngine } from '../core/ports.ts';

/** One recorded SendTaskSuccess or SendTaskFailure. */
export type EngineCall =
  | { kind: 'success'; token: string; output: unknown }
  | { kind: 'failure'; token: string; error: string; cause: string };

/** WorkflowEngine that keeps its calls in `calls`. */
export class RecordingWorkflowEngine implements WorkflowEngine {
  readonly calls: EngineCall[] = [];
  private failures: Error[] = [];

  /** The next calls throw these errors, in order (and are not recorded). */
  failNext(...errors: Error[]): void {
    this.failures.push(...errors);
  }

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    this.throwIfFailing();
    this.calls.push({ kind: 'success', token: taskToken, output: structuredClone(output) });
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    this.throwIfFailing();
    this.calls.push({ kind: 'failure', token: taskToken, error, cause });
  }

  private throwIfFailing(): void {
    const failure = this.failures.shift();
    if (failure) throw failure;
  }
}

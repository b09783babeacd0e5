/**
 * A RunEngine that records starts instead of talking to Step Functions (tests, benchmarks).
 * Like Step Functions, a second start with the same execution name returns the first execution.
 */
import type { ExecutionInput } from '../../statemachines/contract.ts';
import type { RunEngine, RunStatus, StepRecord } from '../core/ports.ts';

/** One recorded StartExecution. */
export interface RecordedStart {
  stateMachineArn: string;
  runId: string;
  executionArn: string;
  input: ExecutionInput;
  startedAt: string;
}

/** RunEngine that keeps its executions in memory; `failNext` makes the next start throw. */
export class RecordingRunEngine implements RunEngine {
  readonly starts: RecordedStart[] = [];
  readonly stops: { executionArn: string; error: string; cause: string }[] = [];
  private readonly executions = new Map<string, { status: RunStatus; startedAt: string }>();
  private failures: Error[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** The next starts throw these errors, in order (and start nothing). */
  failNext(...errors: Error[]): void {
    this.failures.push(...errors);
  }

  async start(stateMachineArn: string, runId: string, input: ExecutionInput) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
    const existing = this.executions.get(executionArn);
    if (existing) return { executionArn, startedAt: existing.startedAt };
    const startedAt = new Date(this.now()).toISOString();
    this.executions.set(executionArn, { status: 'RUNNING', startedAt });
    this.starts.push({ stateMachineArn, runId, executionArn, input: structuredClone(input), startedAt });
    return { executionArn, startedAt };
  }

  async describe(executionArn: string) {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new Error(`no execution ${executionArn}`);
    return { status: execution.status };
  }

  async history(_executionArn: string): Promise<StepRecord[]> {
    return [];
  }

  async stop(executionArn: string, error: string, cause: string): Promise<void> {
    const execution = this.executions.get(executionArn);
    if (execution?.status === 'RUNNING') execution.status = 'ABORTED';
    this.stops.push({ executionArn, error, cause });
  }
}

import { randomUUID } from 'node:crypto';
import { type ArnScope, executionArn as buildExecutionArn, isValidName } from './arns.ts';
import {
  type ExecutionOutcome,
  type RunnerDeps,
  type RunningExecution,
  runExecution,
} from './execution-runner.ts';
import { checkInput, describeRecord } from './execution-views.ts';
import { appendHistoryEvent, toApiHistoryEvent } from './history.ts';
import type { HistoryEntry } from './interpreter-events.ts';
import type { JsonFileStore } from './json-file-store.ts';
import { decodePageToken, encodePageToken, pageSize } from './pagination.ts';
import type { ExecutionRecord, ExecutionStatus } from './records.ts';
import { compact, optionalString, type Request, requiredString } from './requests.ts';
import { findResumePoint } from './resume-point.ts';
import { SfnError } from './sfn-error.ts';
import type { StateMachines } from './state-machines.ts';
import type { DescribeInterruptedBuild, InvokeLambda, RunBuild } from './task-overrides.ts';
import type { TaskTokenRegistry } from './task-tokens.ts';

const FOLDER = 'executions';
const STATUSES: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** The error given to executions a previous process left running where they cannot be resumed. */
export const RESTART_ERROR = 'LocalRuntimeRestarted';
/** The cause given to executions a previous process left running where they cannot be resumed. */
export const RESTART_CAUSE = 'The local runtime stopped while this execution was running; start a new run.';

/** What subscribers hear on every history event. */
export interface ExecutionEventNotice {
  executionArn: string;
  stateMachineArn: string;
  status: ExecutionStatus;
  event: Record<string, unknown>;
}

/** What the executions need from their surroundings. */
export interface ExecutionsOptions {
  scope: ArnScope;
  store: JsonFileStore;
  stateMachines: StateMachines;
  invokeLambda: InvokeLambda;
  runBuild: RunBuild;
  describeInterruptedBuild?: DescribeInterruptedBuild;
  tokens: TaskTokenRegistry;
  onError: (message: string, error: unknown) => void;
}

/** The executions: start, describe, list, history, task callbacks, stop; persisted as they change. */
export class Executions {
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, RunningExecution>();
  private readonly waiters = new Map<string, { resolve: () => void; reject: (error: Error) => void }[]>();
  private readonly listeners = new Set<(notice: ExecutionEventNotice) => void>();
  private readonly deps: RunnerDeps;
  private nextSeq = 1;
  private closed = false;

  constructor(private readonly options: ExecutionsOptions) {
    this.deps = {
      scope: options.scope,
      invokeLambda: options.invokeLambda,
      runBuild: options.runBuild,
      ...(options.describeInterruptedBuild
        ? { describeInterruptedBuild: options.describeInterruptedBuild }
        : {}),
      tokens: options.tokens,
      record: (execution, entry) => this.record(execution, entry),
      persist: (execution) => this.persist(execution),
      complete: (execution, outcome) => this.complete(execution, outcome),
    };
    for (const record of options.store.readAll<ExecutionRecord>(FOLDER)) this.load(record);
  }

  /** StartExecution: a new execution, or the running one of the same name and input (AWS idempotency). */
  start(request: Request): { executionArn: string; startDate: Date } {
    this.assertOpen();
    const stateMachine = this.options.stateMachines.get(requiredString(request, 'stateMachineArn'));
    const name = optionalString(request, 'name') ?? randomUUID();
    if (!isValidName(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
    const input = optionalString(request, 'input') ?? '{}';
    checkInput(input);
    const arn = buildExecutionArn(this.options.scope, stateMachine.name, name);
    const existing = this.records.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: arn, startDate: new Date(existing.startDate) };
      }
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const prepared = this.options.stateMachines.runnable(stateMachine);
    const record: ExecutionRecord = {
      executionArn: arn,
      stateMachineArn: stateMachine.stateMachineArn,
      stateMachineName: stateMachine.name,
      name,
      input,
      status: 'RUNNING',
      startDate: Date.now(),
      seq: this.nextSeq++,
      events: [],
      taskTokens: [],
    };
    this.records.set(arn, record);
    this.record(record, {
      type: 'ExecutionStarted',
      details: { input, inputDetails: { truncated: false }, roleArn: stateMachine.roleArn },
    });
    this.running.set(arn, runExecution(prepared, stateMachine, record, this.deps));
    return { executionArn: arn, startDate: new Date(record.startDate) };
  }

  /** DescribeExecution. */
  describe(request: Request): Record<string, unknown> {
    return describeRecord(this.get(requiredString(request, 'executionArn')));
  }

  /** ListExecutions for one state machine, newest first, optionally by status, paginated. */
  list(request: Request): { executions: Record<string, unknown>[]; nextToken?: string } {
    const stateMachine = this.options.stateMachines.get(requiredString(request, 'stateMachineArn'));
    const statusFilter = optionalString(request, 'statusFilter');
    if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) {
      throw new SfnError('ValidationException', `statusFilter must be one of ${STATUSES.join(', ')}`);
    }
    const size = pageSize(request.maxResults);
    const after = decodePageToken(request.nextToken) ?? Number.POSITIVE_INFINITY;
    const matching = [...this.records.values()]
      .filter((record) => record.stateMachineArn === stateMachine.stateMachineArn)
      .filter((record) => statusFilter === undefined || record.status === statusFilter)
      .filter((record) => record.seq < after)
      .sort((a, b) => b.seq - a.seq);
    const page = matching.slice(0, size);
    const last = page.at(-1);
    return compact({
      executions: page.map((record) =>
        compact({
          executionArn: record.executionArn,
          stateMachineArn: record.stateMachineArn,
          name: record.name,
          status: record.status,
          startDate: new Date(record.startDate),
          stopDate: record.stopDate === undefined ? undefined : new Date(record.stopDate),
        }),
      ),
      nextToken: matching.length > size && last ? encodePageToken(last.seq) : undefined,
    });
  }

  /** GetExecutionHistory, oldest first unless `reverseOrder`, paginated. */
  history(request: Request): { events: Record<string, unknown>[]; nextToken?: string } {
    const record = this.get(requiredString(request, 'executionArn'));
    const size = pageSize(request.maxResults);
    const start = decodePageToken(request.nextToken) ?? 0;
    const ordered = request.reverseOrder === true ? [...record.events].reverse() : record.events;
    const includeData = request.includeExecutionData !== false;
    return compact({
      events: ordered.slice(start, start + size).map((event) => toApiHistoryEvent(event, includeData)),
      nextToken: start + size < ordered.length ? encodePageToken(start + size) : undefined,
    });
  }

  /** StopExecution: ABORTED with the given error and cause; a no-op for an execution that already ended. */
  stop(request: Request): { stopDate: Date } {
    const record = this.get(requiredString(request, 'executionArn'));
    if (record.status === 'RUNNING') {
      const error = optionalString(request, 'error');
      const cause = optionalString(request, 'cause');
      this.running.get(record.executionArn)?.stop(error, cause);
    }
    return { stopDate: new Date(record.stopDate ?? Date.now()) };
  }

  /** Resolves with the execution's description once it is no longer RUNNING. */
  async waitFor(executionArn: string): Promise<Record<string, unknown>> {
    const record = this.get(executionArn);
    if (record.status === 'RUNNING') {
      this.assertOpen();
      await new Promise<void>((resolve, reject) => {
        const list = this.waiters.get(executionArn) ?? [];
        list.push({ resolve, reject });
        this.waiters.set(executionArn, list);
      });
    }
    return describeRecord(record);
  }

  /** Calls `listener` on every history event of every execution; returns the unsubscribe function. */
  subscribe(listener: (notice: ExecutionEventNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Takes up the executions a previous process left RUNNING: one parked on a task token waits
   * again on the same token with what was left of its timers, one in a Wait state waits out the
   * rest, one inside a build has that task fail (see DescribeInterruptedBuild); any other is
   * failed with RESTART_ERROR. Returns how many were resumed.
   */
  resume(): number {
    this.assertOpen();
    let resumed = 0;
    for (const record of this.records.values()) {
      if (record.status !== 'RUNNING' || this.running.has(record.executionArn)) continue;
      const point = this.resumePointOf(record);
      for (const token of record.taskTokens) {
        if (token.status === 'WAITING' && !(point?.kind === 'token' && point.token === token)) {
          token.status = 'INTERRUPTED';
          this.options.tokens.remember(
            token.tokenHash,
            { executionArn: record.executionArn, stateName: token.stateName },
            'INTERRUPTED',
          );
        }
      }
      if (!point) {
        this.complete(record, { status: 'FAILED', error: RESTART_ERROR, cause: RESTART_CAUSE });
        continue;
      }
      const stateMachine = this.options.stateMachines.get(record.stateMachineArn);
      const prepared = this.options.stateMachines.runnable(stateMachine);
      this.running.set(record.executionArn, runExecution(prepared, stateMachine, record, this.deps, point));
      resumed += 1;
    }
    return resumed;
  }

  private resumePointOf(record: ExecutionRecord) {
    try {
      const stateMachine = this.options.stateMachines.get(record.stateMachineArn);
      return findResumePoint(record, this.options.stateMachines.runnable(stateMachine), Date.now());
    } catch (error) {
      this.options.onError(`cannot resume ${record.executionArn}`, error);
      return undefined;
    }
  }

  /** Halts every running execution without recording it (it stays RUNNING on disk) and rejects waiters. */
  close(): void {
    this.closed = true;
    for (const running of this.running.values()) running.detach();
    this.running.clear();
    for (const list of this.waiters.values()) {
      for (const waiter of list) waiter.reject(new Error('The local Step Functions server stopped'));
    }
    this.waiters.clear();
  }

  private get(arn: string): ExecutionRecord {
    if (!arn.startsWith('arn:')) throw new SfnError('InvalidArn', `Invalid Arn: '${arn}'`);
    const record = this.records.get(arn);
    if (!record) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  private load(record: ExecutionRecord): void {
    record.taskTokens ??= [];
    this.records.set(record.executionArn, record);
    this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
    const owner = { executionArn: record.executionArn };
    // Waiting tokens belong to executions that `resume()` takes up or fails.
    for (const token of record.taskTokens) {
      if (token.status !== 'WAITING') {
        this.options.tokens.remember(token.tokenHash, { ...owner, stateName: token.stateName }, token.status);
      }
    }
  }

  private record(execution: ExecutionRecord, entry: HistoryEntry): void {
    const event = appendHistoryEvent(execution, entry.type, entry.details, Date.now());
    this.persist(execution);
    const notice: ExecutionEventNotice = {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      status: execution.status,
      event: toApiHistoryEvent(event, true),
    };
    for (const listener of this.listeners) {
      try {
        listener(notice);
      } catch (error) {
        this.options.onError('an execution event listener failed', error);
      }
    }
  }

  private persist(execution: ExecutionRecord): void {
    const key = `${execution.stateMachineName}:${execution.name}`;
    this.options.store.save(FOLDER, key, () => execution);
  }

  private complete(execution: ExecutionRecord, outcome: ExecutionOutcome): void {
    execution.status = outcome.status;
    execution.stopDate = Date.now();
    this.running.delete(execution.executionArn);
    if (outcome.status === 'SUCCEEDED') {
      execution.output = outcome.output;
      this.record(execution, {
        type: 'ExecutionSucceeded',
        details: { output: outcome.output, outputDetails: { truncated: false } },
      });
    } else {
      execution.error = outcome.error;
      execution.cause = outcome.cause;
      this.record(execution, {
        type: TERMINAL_EVENTS[outcome.status],
        details: compact({ error: outcome.error, cause: outcome.cause }),
      });
    }
    for (const waiter of this.waiters.get(execution.executionArn) ?? []) waiter.resolve();
    this.waiters.delete(execution.executionArn);
  }

  private assertOpen(): void {
    if (this.closed) throw new SfnError('ValidationException', 'The local Step Functions server is stopped');
  }
}

const TERMINAL_EVENTS = {
  FAILED: 'ExecutionFailed',
  TIMED_OUT: 'ExecutionTimedOut',
  ABORTED: 'ExecutionAborted',
};

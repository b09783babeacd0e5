import '../polyfills.ts';
import type { AddressInfo } from 'node:net';
import type { ArnScope } from './arns.ts';
import { type ExecutionEventNotice, Executions } from './executions.ts';
import { createSfnHttpServer, type Operation } from './http-server.ts';
import { JsonFileStore } from './json-file-store.ts';
import type { Request } from './requests.ts';
import { StateMachines } from './state-machines.ts';
import { createTaskCallbacks } from './task-callbacks.ts';
import type { DescribeInterruptedBuild, InvokeLambda, RunBuild } from './task-overrides.ts';
import { TaskTokenRegistry } from './task-tokens.ts';

export type { ExecutionEventNotice } from './executions.ts';
export { RESTART_CAUSE, RESTART_ERROR } from './executions.ts';
export type {
  BuildRequest,
  BuildResult,
  DescribeInterruptedBuild,
  InvokeLambda,
  RunBuild,
} from './task-overrides.ts';
export { INTERRUPTED_BUILD_CAUSE } from './task-overrides.ts';

/** Where the server reports what happens; never given task tokens. */
export interface LocalStepFunctionsLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** Options of `createLocalStepFunctions`. */
export interface LocalStepFunctionsOptions {
  /** Executions and state machines are kept here as JSON files, so a restart keeps the history. */
  dataDir: string;
  region?: string;
  accountId?: string;
  invokeLambda: InvokeLambda;
  runBuild: RunBuild;
  /** The Cause of a build task a previous process left running; a generic one when unset. */
  describeInterruptedBuild?: DescribeInterruptedBuild;
  logger?: LocalStepFunctionsLogger;
}

/** The local Step Functions service: an HTTP endpoint for the SDK plus the same operations in process. */
export interface LocalStepFunctions {
  /** Listens on 127.0.0.1 (a random port unless given) and returns the endpoint URL for the SDK. */
  start(port?: number): Promise<{ endpoint: string }>;
  /**
   * Lets the Lambda calls in flight finish (up to 10 s) and holds new Lambda calls and builds,
   * so a stop leaves executions at a resumable point (a gate whose request returned). Idempotent.
   */
  drain(): Promise<void>;
  /** Drains, stops listening and halts running executions, leaving them RUNNING on disk for the next `resume()`. */
  stop(): Promise<void>;
  /**
   * Takes up the executions a previous process left RUNNING (parked on a task token, in a Wait
   * state, or in a build, which then fails); fails the others with LocalRuntimeRestarted. Call it
   * once the Lambda handlers the executions call are ready. Returns how many were resumed.
   */
  resume(): number;
  /** Registers (or replaces) a state machine; the definition is stored exactly as given. Returns its ARN. */
  createStateMachine(name: string, definition: object | string, roleArn?: string): Promise<string>;
  /** Resolves with DescribeExecution's answer once the execution has ended. */
  waitForExecution(executionArn: string): Promise<Record<string, unknown>>;
  /** Calls `listener` on every history event; returns the unsubscribe function. */
  onEvent(listener: (notice: ExecutionEventNotice) => void): () => void;
  /** Every API operation by name (`StartExecution`, `SendTaskSuccess`, ...), taking the JSON request body. */
  operations: Record<string, Operation>;
  /** Waits until every change so far is written to `dataDir`. */
  flush(): Promise<void>;
}

/** How long a stop waits for the Lambda calls in flight. */
const STOP_DRAIN_MS = 10_000;

const silentLogger: LocalStepFunctionsLogger = { info() {}, warn() {}, error() {} };

/** Creates the local Step Functions service on a data directory; executions left RUNNING there wait for `resume()`. */
export function createLocalStepFunctions(options: LocalStepFunctionsOptions): LocalStepFunctions {
  const logger = options.logger ?? silentLogger;
  const scope: ArnScope = {
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
  };
  const store = new JsonFileStore(options.dataDir, (file, error) =>
    logger.error('could not read or write a Step Functions data file', { file, error: String(error) }),
  );
  const stateMachines = new StateMachines(scope, store, (message) => logger.warn(message));
  const tokens = new TaskTokenRegistry();
  // While draining, new calls are held (never answered): their executions are detached by stop()
  // and failed or resumed on the next start, as if the process had stopped before the call.
  let draining: Promise<void> | undefined;
  const inflight = new Set<Promise<unknown>>();
  const held = () => new Promise<never>(() => {});
  const invokeLambda: InvokeLambda = (arn, payload) => {
    if (draining) return held();
    const call = options.invokeLambda(arn, payload);
    inflight.add(call);
    call.then(
      () => inflight.delete(call),
      () => inflight.delete(call),
    );
    return call;
  };
  const runBuild: RunBuild = (request) => (draining ? held() : options.runBuild(request));
  const drain = () => {
    draining ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inflight]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, STOP_DRAIN_MS);
        }),
      ]);
      clearTimeout(timer);
      // The task's TaskSubmitted is recorded right after its call returns; let it land.
      await new Promise<void>((resolve) => setImmediate(resolve));
    })();
    return draining;
  };
  const callbacks = createTaskCallbacks(tokens);
  const executions = new Executions({
    scope,
    tokens,
    store,
    stateMachines,
    invokeLambda,
    runBuild,
    ...(options.describeInterruptedBuild
      ? { describeInterruptedBuild: options.describeInterruptedBuild }
      : {}),
    onError: (message, error) => logger.error(message, { error: String(error) }),
  });

  const operations: Record<string, Operation> = {
    CreateStateMachine: (request) => stateMachines.create(request),
    ListStateMachines: (request) => stateMachines.list(request),
    DescribeStateMachine: (request) => stateMachines.describe(request),
    StartExecution: (request) => executions.start(request),
    DescribeExecution: (request) => executions.describe(request),
    ListExecutions: (request) => executions.list(request),
    GetExecutionHistory: (request) => executions.history(request),
    StopExecution: (request) => executions.stop(request),
    SendTaskSuccess: (request) => callbacks.sendTaskSuccess(request),
    SendTaskFailure: (request) => callbacks.sendTaskFailure(request),
    SendTaskHeartbeat: (request) => callbacks.sendTaskHeartbeat(request),
  };
  const server = createSfnHttpServer(operations, (error) =>
    logger.error('a Step Functions request failed', { error: String(error) }),
  );

  return {
    async start(port = 0) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      logger.info('local Step Functions listening', { endpoint });
      return { endpoint };
    },
    drain,
    async stop() {
      await drain();
      executions.close();
      if (server.listening) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await store.close();
    },
    async createStateMachine(name, definition, roleArn) {
      const text = typeof definition === 'string' ? definition : JSON.stringify(definition);
      return stateMachines.put(name, text, roleArn).stateMachineArn;
    },
    resume: () => executions.resume(),
    waitForExecution: (executionArn) => executions.waitFor(executionArn),
    onEvent: (listener) => executions.subscribe(listener),
    operations: operations as Record<string, (request: Request) => unknown>,
    flush: () => store.flush(),
  };
}

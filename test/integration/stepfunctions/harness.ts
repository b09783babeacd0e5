import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  type BuildResult,
  createLocalStepFunctions,
  type LocalStepFunctions,
} from '../../../local/stepfunctions/index.ts';

/** One recorded call of a fake Lambda function. */
export interface LambdaCall {
  functionArn: string;
  payload: unknown;
}

type FakeHandler = (payload: unknown) => unknown;

/** In-process fake Lambda functions keyed by function name, recording every call. */
export class FakeLambdas {
  readonly calls: LambdaCall[] = [];
  private readonly handlers = new Map<string, FakeHandler>();
  private readonly waiting: { name: string; resolve: (call: LambdaCall) => void }[] = [];

  /** Sets the handler of a function name. */
  on(name: string, handler: FakeHandler): void {
    this.handlers.set(name, handler);
  }

  /** Resolves with the next call of `name` (or one already made and not yet taken). */
  nextCall(name: string): Promise<LambdaCall> {
    const taken = this.calls.find((call) => functionName(call.functionArn) === name && !this.taken.has(call));
    if (taken) {
      this.taken.add(taken);
      return Promise.resolve(taken);
    }
    return new Promise((resolve) => this.waiting.push({ name, resolve }));
  }

  private readonly taken = new Set<LambdaCall>();

  /** The `invokeLambda` the server gets. */
  invoke = async (functionArn: string, payload: unknown): Promise<unknown> => {
    const call = { functionArn, payload };
    this.calls.push(call);
    const name = functionName(functionArn);
    const index = this.waiting.findIndex((waiter) => waiter.name === name);
    if (index >= 0) {
      this.taken.add(call);
      this.waiting.splice(index, 1)[0]?.resolve(call);
    }
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`no fake Lambda function named ${name}`);
    return handler(payload);
  };
}

function functionName(functionArn: string): string {
  return functionArn.split(':function:')[1]?.split(':')[0] ?? functionArn;
}

/** A running local Step Functions server with fakes, an SDK client and a throwaway data directory. */
export interface Harness {
  sfn: LocalStepFunctions;
  endpoint: string;
  client: SFNClient;
  lambdas: FakeLambdas;
  builds: { projectName: string; environment: Record<string, string> }[];
  buildResults: Map<string, BuildResult['status']>;
  /** Projects whose builds never end (until the server stops). */
  hangingBuilds: Set<string>;
  dataDir: string;
  /**
   * Stops this server and starts another on the same data directory (a restart), which resumes
   * the executions left running; `whileStopped` runs in between.
   */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server on a random loopback port with fake Lambdas and builds. */
export async function startHarness(dataDir = mkdtempSync(join(tmpdir(), 'signoff-sfn-'))): Promise<Harness> {
  const lambdas = new FakeLambdas();
  const builds: Harness['builds'] = [];
  const buildResults = new Map<string, BuildResult['status']>();
  const hangingBuilds = new Set<string>();
  const create = async () => {
    const sfn = createLocalStepFunctions({
      dataDir,
      invokeLambda: lambdas.invoke,
      runBuild: async ({ projectName, environment }) => {
        builds.push({ projectName, environment });
        if (hangingBuilds.has(projectName)) return new Promise<never>(() => {});
        return {
          id: `${projectName}:build-${builds.length}`,
          status: buildResults.get(projectName) ?? 'SUCCEEDED',
        };
      },
    });
    const { endpoint } = await sfn.start();
    const client = new SFNClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    return { sfn, endpoint, client };
  };
  const harness: Harness = {
    ...(await create()),
    lambdas,
    builds,
    buildResults,
    hangingBuilds,
    dataDir,
    async restart(whileStopped) {
      harness.client.destroy();
      await harness.sfn.stop();
      await whileStopped?.();
      Object.assign(harness, await create());
      harness.sfn.resume();
    },
    async close() {
      harness.client.destroy();
      await harness.sfn.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** A Lambda function ARN of the fake account. */
export function fn(name: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
}

/** Registers a definition through the SDK and returns its ARN. */
export async function createMachine(h: Harness, name: string, definition: object): Promise<string> {
  const { stateMachineArn } = await h.client.send(
    new CreateStateMachineCommand({
      name,
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::000000000000:role/signoff-test',
    }),
  );
  if (!stateMachineArn) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

/** Starts an execution through the SDK and returns its ARN. */
export async function startExecution(h: Harness, stateMachineArn: string, input: object, name?: string) {
  const { executionArn } = await h.client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }),
  );
  if (!executionArn) throw new Error('StartExecution returned no ARN');
  return executionArn;
}

/** Waits for an execution to end, then describes it through the SDK. */
export async function finished(h: Harness, executionArn: string) {
  await h.sfn.waitForExecution(executionArn);
  return h.client.send(new DescribeExecutionCommand({ executionArn }));
}

/** Starts an execution and waits for its end. */
export async function runToEnd(h: Harness, stateMachineArn: string, input: object) {
  return finished(h, await startExecution(h, stateMachineArn, input));
}

/** The event types of an execution's history, oldest first. */
export async function historyTypes(h: Harness, executionArn: string): Promise<string[]> {
  const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return (events ?? []).map((event) => event.type ?? '');
}

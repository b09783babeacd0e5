/** The status of an execution, as DescribeExecution reports it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One history event as stored: AWS's event type, and its details under AWS's details key. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  type: string;
  [detailsKey: string]: unknown;
}

/** A registered state machine as stored on disk. */
export interface StateMachineRecord {
  stateMachineArn: string;
  name: string;
  /** The definition exactly as it was given. */
  definition: string;
  roleArn: string;
  type: 'STANDARD';
  creationDate: number;
}

/** One task token of an execution, by hash, and how its task ended. */
export interface TaskTokenRecord {
  tokenHash: string;
  stateName: string;
  status: 'WAITING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'INTERRUPTED';
  /** The last SendTaskHeartbeat (epoch ms), so a resumed task keeps its HeartbeatSeconds clock. */
  heartbeatAt?: number;
}

/** An execution as stored on disk, history included. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** Creation order, for newest-first listings and their page tokens. */
  seq: number;
  events: HistoryEvent[];
  taskTokens: TaskTokenRecord[];
}

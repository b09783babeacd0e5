/**
 * What the approval use cases need, passed in as one object (no module-level clients).
 */
import type { Directory } from '../../../statemachines/schema.ts';
import type {
  AuditLog,
  Clock,
  GateStore,
  LogPort,
  Notifier,
  Scheduler,
  VoteStore,
  WorkflowEngine,
} from '../ports.ts';

/** Dependencies of requestApproval, castVote, recordTimeout, escalate and resumeGate. */
export interface ApprovalDeps {
  gates: GateStore;
  votes: VoteStore;
  audit: AuditLog;
  engine: WorkflowEngine;
  notifier: Notifier;
  scheduler: Scheduler;
  directory: Directory;
  now: Clock;
  log?: LogPort;
  /** How long a vote's answer waits for the work drained after its commit (default `DRAIN_BUDGET_MS`). */
  drainBudgetMs?: number;
}

/** What every use case but requestApproval needs (no scheduler): the deps a vote channel builds. */
export type VoteDeps = Omit<ApprovalDeps, 'scheduler'>;

const quiet: LogPort = { info() {}, warn() {}, error() {} };

/** The deps' logger, or one that drops everything. */
export function logOf(deps: Pick<ApprovalDeps, 'log'>): LogPort {
  return deps.log ?? quiet;
}

/** The deps' clock as an ISO timestamp. */
export function isoNow(deps: Pick<ApprovalDeps, 'now'>): string {
  return new Date(deps.now()).toISOString();
}

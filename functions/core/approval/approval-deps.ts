/**
 * What the approval use cases need, passed in as one object (no module-level clients).
 */
import type { FreezeDefinition } from '../../../statemachines/freezes.ts';
import type { Directory } from '../../../statemachines/schema.ts';
import type { IdentityStore } from '../auth/identity-store.ts';
import type {
  AuditLog,
  Clock,
  FreezeStore,
  GateStore,
  LogPort,
  Notifier,
  Scheduler,
  VoteStore,
  WorkflowEngine,
} from '../ports.ts';
import { withIdentities } from './directory.ts';

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
  /**
   * Where a vote's owed work (audit event, notifications, the engine call of a gate it closed) is
   * done. `inline` (the default): right after the commit, before the answer, within
   * `drainBudgetMs`; the closing vote holds the engine call's lease. `outbox`: the answer goes out
   * right after the commit or the refusal, and everything owed stays in the gate's outbox (a
   * refusal's audit event too) and unnotified index for the drainer (the gates table's stream in
   * AWS, the local runtime's poller); the close takes no lease, so the drainer claims the engine
   * call at once. For channels whose caller waits on a clock, such as Slack's 3 s ack.
   */
  voteEffects?: 'inline' | 'outbox';
  /** The freezes a gate's card tells approvers of when it is requested; without them, none. */
  freezes?: Pick<FreezeStore, 'list'>;
  freezeWindows?: readonly FreezeDefinition[];
  /** People's last sign-ins, read when the directory takes teams or roles from the identity provider. */
  identities?: Pick<IdentityStore, 'get' | 'list'>;
}

/** What every use case but requestApproval needs (no scheduler): the deps a vote channel builds. */
export type VoteDeps = Omit<ApprovalDeps, 'scheduler'>;

/**
 * What casting a vote needs when its effects are the drainer's: the gate and vote stores, the
 * directory and the clock. No engine, notifier or audit log: a channel wired this way cannot
 * send a task token, message anyone or write the audit trail, and its role needs no such grant.
 */
export type OutboxVoteDeps = Pick<
  VoteDeps,
  'gates' | 'votes' | 'directory' | 'identities' | 'now' | 'log'
> & {
  voteEffects: 'outbox';
};

/** What castVote needs: everything, to drain inline; or the outbox deps. */
export type CastVoteDeps = VoteDeps | OutboxVoteDeps;

const quiet: LogPort = { info() {}, warn() {}, error() {} };

/** The deps' logger, or one that drops everything. */
export function logOf(deps: Pick<ApprovalDeps, 'log'>): LogPort {
  return deps.log ?? quiet;
}

/** True when the deps leave a vote's owed work to the drainer (`voteEffects: 'outbox'`). */
export function leavesEffectsToDrainer(deps: CastVoteDeps): deps is OutboxVoteDeps {
  return deps.voteEffects === 'outbox';
}

/**
 * The directory with people's last sign-ins merged in: everyone's (`'all'`, to resolve approvers)
 * or one person's (to check a vote). Read only when the directory maps IdP groups.
 */
export async function directoryNow(
  deps: Pick<ApprovalDeps, 'directory' | 'identities' | 'now'>,
  who: 'all' | string,
): Promise<Directory> {
  if (!deps.directory.idp || !deps.identities) return deps.directory;
  const records =
    who === 'all'
      ? await deps.identities.list()
      : [await deps.identities.get(who)].filter((r) => r !== undefined);
  return withIdentities(deps.directory, records, deps.now());
}

/** The deps' clock as an ISO timestamp. */
export function isoNow(deps: Pick<ApprovalDeps, 'now'>): string {
  return new Date(deps.now()).toISOString();
}

/**
 * The ports the domain talks through. Adapters in `functions/adapters/` implement them for
 * AWS (DynamoDB, Step Functions, S3, SES, Slack) and in memory for tests.
 */

import type {
  ExecutionInput,
  GateConfig,
  PlanSummary,
  RunData,
  RunInfo,
} from '../../statemachines/contract.ts';
import type { AuditCheckpoint } from './audit/audit-checkpoint.ts';
import type { IdpSignin } from './auth/auth-store.ts';
import type { AdhocFreeze } from './freeze/freeze-windows.ts';

/** Audit actions; the audit trail is append-only. */
export type AuditAction =
  | 'run_started'
  | 'bypass_started'
  | 'start_refused'
  | 'requested'
  | 'approved'
  | 'auto_approved'
  | 'rejected'
  | 'refused'
  | 'timed_out'
  | 'escalated'
  | 'notified'
  | 'notification_failed'
  | 'plan_failed'
  | 'policy_failed'
  | 'plan_drift_blocked'
  | 'applied'
  | 'apply_failed'
  | 'gate_cancelled'
  | 'run_finished'
  | 'lock_acquired'
  | 'lock_released'
  | 'lock_force_released'
  | 'lock_held'
  | 'gate_skipped'
  | 'apply_frozen'
  | 'freeze_overridden'
  | 'freeze_started'
  | 'freeze_ended'
  | 'drift_checked'
  | 'signed_in'
  | 'signin_refused'
  | 'identity_revoked';

/** One audit event as the domain writes it; the store adds sequence and hash chain. */
export interface AuditEventInput {
  action: AuditAction;
  /** A person, or a system actor such as `system:timeout` / `github:<login>`. */
  actor: { email: string; name: string };
  workflow: string;
  run_id: string;
  step_id?: string;
  gate_id?: string;
  at: string;
  comment?: string;
  reason?: string;
  channel?: string;
  response_time_ms?: number;
  plan_summary?: Pick<PlanSummary, 'project' | 'add' | 'change' | 'destroy' | 'replace' | 'hash'>;
  details?: Record<string, unknown>;
}

/** The append-only audit trail. */
export interface AuditLog {
  /**
   * Appends one event. With a `key`, an event already appended under that key is not appended
   * again (the outbox drainer retries appends; a retry must not write a second row).
   */
  append(event: AuditEventInput, key?: string): Promise<void>;
}

/** Tells a waiting Step Functions task how it ended (SendTaskSuccess / SendTaskFailure). */
export interface WorkflowEngine {
  sendTaskSuccess(taskToken: string, output: unknown): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
}

/** Large artifacts (plans, logs) by key; S3 in AWS, S3 or the filesystem locally. */
export interface ArtifactStore {
  put(key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
}

/** Milliseconds since the epoch; injected so tests use a fixed clock. */
export type Clock = () => number;

/** A stored audit event: the input plus its place in the run's hash chain. */
export interface AuditEvent extends AuditEventInput {
  /** 1, 2, 3, ... within the run, with no gaps. */
  seq: number;
  /** The previous event's `hash` in the same run (64 zeros for the first). */
  prev_hash: string;
  /** SHA-256 (hex) over the canonical JSON of the event with `seq` and `prev_hash`. */
  hash: string;
}

/** A run's audit head: recorded beside the events so a trail cut short at the end still shows. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/**
 * Which audit events to list; at most one of run, workflow and actor narrows the index, the rest
 * filter. `from` (inclusive) and `to` (exclusive) are ISO instants.
 */
export interface AuditFilter {
  run?: string;
  workflow?: string;
  actor?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
}

/** One page of audit events, newest first, with an opaque cursor for the next page. */
export interface AuditPage {
  events: AuditEvent[];
  cursor?: string;
}

/** Reads the audit trail (newest first, paginated) and whole runs for verification. */
export interface AuditQuery {
  list(filter: AuditFilter, page?: { limit?: number; cursor?: string }): Promise<AuditPage>;
  /** Every event of one run, oldest first (for `verifyAuditChain`). */
  readRun(runId: string): Promise<AuditEvent[]>;
  /** The newest event's seq and hash as the writer last recorded them (catches removed newest events). */
  readHead(runId: string): Promise<AuditHead | undefined>;
}

/** One entry of the head log: a run's newest event as an append recorded it, keyed by write time. */
export interface HeadLogEntry {
  /** Milliseconds since the epoch times 1000, plus a random part: unique, roughly in write order. */
  key: number;
  run_id: string;
  seq: number;
  hash: string;
}

/** A checkpoint as the audit table holds it: `archived` once its locked copy was written. */
export type StoredCheckpoint = AuditCheckpoint & { archived?: boolean };

/** The audit trail's anchors: the head log every append adds to, and the checkpoints made from it. */
export interface AuditAnchors {
  /** Head-log entries with a key above `sinceKey`, oldest first. */
  readHeadLog(sinceKey: number): Promise<HeadLogEntry[]>;
  /** Every checkpoint, oldest first. */
  readCheckpoints(): Promise<StoredCheckpoint[]>;
  /** The newest checkpoint, or undefined before the first. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** Writes a new checkpoint; false when one with its number exists (another writer made it). */
  putCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean>;
  /** Notes that the checkpoint's locked copy is written. */
  markArchived(checkpoint: AuditCheckpoint): Promise<void>;
}

/** Where checkpoints are kept so nobody can rewrite them: S3 with Object Lock in AWS. */
export interface CheckpointArchive {
  put(checkpoint: AuditCheckpoint): Promise<void>;
  /** Every checkpoint in the archive (the newest version of each). */
  list(): Promise<AuditCheckpoint[]>;
}

/** Lifecycle of a gate. */
export type GateStatus = 'pending' | 'approved' | 'rejected' | 'timed_out' | 'cancelled';

/** A person who may be asked to approve, as resolved from the directory at request time. */
export interface Approver {
  email: string;
  name: string;
  role: 'admin' | 'developer' | 'viewer';
  slack?: string;
}

/** One counted approval on a gate. */
export interface ApprovalEntry {
  email: string;
  name: string;
  at: string;
  channel: VoteChannel;
  comment?: string;
}

/** Where a vote came from; one person counts once whatever the channel. */
export type VoteChannel = 'slack' | 'email' | 'web' | 'api' | 'cli';

/** What the engine was told when the gate closed: sent, too late (task gone), or nothing to send. */
export type EngineResult = 'sent' | 'too_late' | 'not_needed';

/** One approver rule of a gate, as the plan decided it when the gate opened. */
export interface GateRule {
  when: string;
  reason?: string;
  /** The refs as written (`team:security`). */
  approvers: string[];
  /** Those refs resolved from the directory when the gate opened. */
  people: Approver[];
  required: number;
  /** An approval counted for this rule may also count for the others. */
  shared: boolean;
  /** Whether it applies to this run's plan; every rule applies when the plan could not be read. */
  matched: boolean;
  /** Why it matched: the resources that make it match (capped), and how many there are. */
  resources: string[];
  resources_count: number;
}

/** One approval gate of one run, as every read returns it (never with its task token). */
export interface Gate {
  gate_id: string;
  run: RunInfo;
  step_id: string;
  workflow: string;
  config: GateConfig;
  /** People resolved from the gate's approver refs when it was requested. */
  approvers: Approver[];
  /** Refs that named nobody in the directory at request time. */
  unresolved: string[];
  /** Escalation levels that fired, by index in `config.escalation`. */
  escalations: Record<string, { at: string; people: Approver[] }>;
  required: number;
  requested_at: string;
  deadline: string;
  requester: { email: string; name: string } | null;
  data: Pick<RunData, 'plan' | 'cost' | 'policy' | 'source'>;
  status: GateStatus;
  approved_by: ApprovalEntry[];
  /** The step's approver rules (absent on gates without any). */
  rules?: GateRule[];
  /** Set when signoff closed the gate by the step's auto-approval rule: no person approved. */
  auto_approved?: { reason: string; expression: string };
  closed_at?: string;
  closed_by?: { email: string; name: string };
  close_comment?: string;
  close_channel?: VoteChannel;
  engine_notified: boolean;
  engine_result?: EngineResult;
  /** Announcements that could not be delivered, oldest first, at most a few (the audit keeps every one). */
  delivery_failures?: DeliveryFailure[];
  /** Failures left off `delivery_failures` once it was full. */
  delivery_failures_dropped?: number;
  /** A change freeze in effect, or starting before the deadline, when the gate was requested (Slack and email show it). */
  freeze_notice?: string;
}

/** The channels that deliver to people. */
export type DeliveryChannel = 'email' | 'slack';

/** One message that did not reach its recipient: who, through what, why (never a secret) and when. */
export interface DeliveryFailure {
  channel: DeliveryChannel;
  /** An email address, a Slack channel (`#deploys`) or a person's email for a direct message. */
  to: string;
  reason: string;
  at: string;
}

/** What closing a gate writes; the store applies it only while the gate is pending. */
export interface GateClose {
  status: Exclude<GateStatus, 'pending'>;
  closed_at: string;
  closed_by: { email: string; name: string };
  comment?: string;
  channel?: VoteChannel;
  /** True when the engine needs no call (it timed the task out itself). */
  engine_notified: boolean;
  /** While the closer makes the engine call (ms since epoch), recovery keeps off. */
  engine_lease_until?: number;
}

/**
 * Work owed after a vote was committed, written on the gate item by the same conditional write
 * that counts the vote (DynamoDB has one atomic write per item, and dynalite no transactions),
 * and drained in order by `drainGate`.
 */
export interface OutboxEntry {
  /** Unique per gate: `vote#<email>` (a refusal: `refused#<email>#<time>#<nonce>`). Also the audit event's idempotency key. */
  id: string;
  /** The vote's audit event (counted or refused). */
  audit: AuditEventInput;
  /** Which notification a counted vote owes the gate's channels; a refusal owes none. */
  notify?: 'progressed' | 'decided';
}

/** Gates with their task tokens; every conditional write is a single-item write. */
export interface GateStore {
  /** Stores a new gate; false when a gate with that id already exists. */
  create(gate: Gate, taskToken: string): Promise<boolean>;
  /** Replaces the task token (a retried request); a closed gate is marked not yet told to the engine. */
  replaceTaskToken(gateId: string, taskToken: string, deadline: string): Promise<Gate | undefined>;
  /** The gate without its task token. */
  get(gateId: string): Promise<Gate | undefined>;
  /** The task token, for the engine calls only; never return it to a caller. */
  getTaskToken(gateId: string): Promise<string | undefined>;
  /** The gates of one run. */
  listByRun(runId: string): Promise<Gate[]>;
  /** Gates with the given status, oldest request first. */
  listByStatus(status: GateStatus, limit?: number): Promise<Gate[]>;
  /** Closed gates whose engine call has not been confirmed (for recovery). */
  listUnnotified(limit?: number): Promise<Gate[]>;
  /**
   * Appends an approval if the gate is pending and still has `expectedCount` approvals; closes it
   * when `close` is given. `owed` joins the gate's outbox in the same write.
   */
  addApproval(
    gateId: string,
    entry: ApprovalEntry,
    expectedCount: number,
    close?: GateClose,
    owed?: OutboxEntry[],
  ): Promise<boolean>;
  /** Closes a pending gate (adding `owed` to its outbox in the same write); false when it was already closed. */
  close(gateId: string, close: GateClose, owed?: OutboxEntry[]): Promise<boolean>;
  /** The gate (without its token) and its outbox, oldest entry first (empty when nothing is owed), in one read. */
  readOutbox(gateId: string): Promise<{ gate: Gate; outbox: OutboxEntry[] } | undefined>;
  /**
   * Removes the outbox's oldest entry if it is still `id`, and returns the gate and what is left of
   * its outbox; undefined when someone else removed it first.
   */
  removeOutboxEntry(gateId: string, id: string): Promise<{ gate: Gate; outbox: OutboxEntry[] } | undefined>;
  /** Appends owed work to the gate's outbox whatever its status (a refused vote's audit event); false when there is no such gate. */
  addToOutbox(gateId: string, owed: OutboxEntry[]): Promise<boolean>;
  /**
   * The ids of gates that owe something, outbox entries first, then closed gates whose engine call
   * is not confirmed (the drainer's poll: ids only, so a frequent poll stays cheap).
   */
  listOwing(limit?: number): Promise<string[]>;
  /** Gates whose outbox holds something, oldest request first (for the drainer's sweep). */
  listWithOutbox(limit?: number): Promise<Gate[]>;
  /** Adds an escalation level's people while the gate is pending and that level has not fired. */
  addEscalation(gateId: string, index: number, at: string, people: Approver[]): Promise<boolean>;
  /** Takes a short lease on the engine call for recovery; false when someone else holds it or it is done. */
  claimEngineCall(gateId: string, now: number, leaseMs: number): Promise<boolean>;
  /** Records that the engine was told (or that there was nothing left to tell). */
  markEngineNotified(gateId: string, result: EngineResult): Promise<void>;
  /**
   * Appends delivery failures to the gate, keeping at most `keep` in all; those that do not fit are
   * only counted. False when there is no such gate. Any status: a closed gate keeps its history.
   */
  addDeliveryFailures(gateId: string, failures: DeliveryFailure[], keep: number): Promise<boolean>;
}

/** One person's vote on one gate, whatever the channel. */
export interface Vote {
  gate_id: string;
  email: string;
  name: string;
  decision: 'approve' | 'reject';
  channel: VoteChannel;
  at: string;
  comment?: string;
  /** How the voter signed in at the identity provider (web votes of such sessions), audited with the vote. */
  signin?: IdpSignin;
}

/** Votes keyed by (gate, voter): the first vote of a person is kept, later ones are refused. */
export interface VoteStore {
  /** Stores the vote unless that person already voted on that gate; returns the vote that is stored. */
  put(vote: Vote): Promise<{ stored: boolean; vote: Vote }>;
  list(gateId: string): Promise<Vote[]>;
}

/**
 * What a notification call gives back: the messages that could not be delivered, or nothing (a
 * notifier that only logs or counts delivers to nobody).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: lets notifiers that deliver nothing keep their Promise<void> methods.
export type Delivery = Promise<DeliveryFailure[] | void>;

/**
 * Tells people about a gate (Slack, email, ...). Implementations must not throw for one bad
 * recipient: they return each undelivered announcement as a DeliveryFailure.
 */
export interface Notifier {
  requested(gate: Gate): Delivery;
  /** An approval was counted and the gate is still open (messages can show N of M). */
  progressed(gate: Gate): Delivery;
  /** The gate was approved or rejected. */
  decided(gate: Gate): Delivery;
  /** The gate timed out. */
  expired(gate: Gate): Delivery;
  /** An escalation level fired and these people were added. */
  escalated(gate: Gate, people: Approver[]): Delivery;
}

/** Runs `escalate(gateId, index)` at a given time (EventBridge Scheduler in AWS, a timer locally). */
export interface Scheduler {
  scheduleEscalation(gateId: string, index: number, at: Date): Promise<void>;
}

/** The few log calls the domain makes; Powertools' Logger fits it. Never pass tokens or secrets. */
export interface LogPort {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** How a run stands (Step Functions execution statuses). */
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** One run as signoff records it; the execution is the source of truth for its status. */
export interface RunRecord extends RunInfo {
  execution_arn: string;
  status: RunStatus;
  stopped_at?: string;
  error?: string;
  cause?: string;
  /** The plans before a gate had no changes, so the gate was skipped and the run ended there. */
  no_changes?: boolean;
}

/** How a run ended. */
export interface RunEnd {
  status: Exclude<RunStatus, 'RUNNING'>;
  stopped_at: string;
  error?: string;
  cause?: string;
}

/** Runs by id; `create` is put-if-absent, which is what dedups GitHub deliveries and webhook keys. */
export interface RunStore {
  /** Stores a new run; false (and nothing written) when a run with that id exists. */
  create(run: RunRecord): Promise<boolean>;
  get(runId: string): Promise<RunRecord | undefined>;
  /** Runs newest first, optionally of one workflow, paginated. */
  list(
    filter: { workflow?: string },
    page?: { limit?: number; cursor?: string },
  ): Promise<{ runs: RunRecord[]; cursor?: string }>;
  /** Records how the run ended, only while it is RUNNING; true for the one call that did. */
  finish(runId: string, end: RunEnd): Promise<boolean>;
  /**
   * Records the commit a run started from a branch builds, once: the first call wins, and a
   * later call with another commit changes nothing.
   */
  pinCommit(runId: string, commit: string): Promise<void>;
  /** Marks the run as ended with no changes (`no_changes: true`); repeating it changes nothing. */
  markNoChanges(runId: string): Promise<void>;
}

/** One state the execution went through, from its history. */
export interface StepRecord {
  state: string;
  entered_at: string;
  exited_at?: string;
  /** `queued`: a build task asked for and not started yet (its build waits for a worker). */
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'caught';
  error?: string;
}

/** Starts and reads executions (Step Functions). */
export interface RunEngine {
  /** Starts an execution named `runId`; an existing one with that name is returned, not started twice. */
  start(
    stateMachineArn: string,
    runId: string,
    input: ExecutionInput,
  ): Promise<{ executionArn: string; startedAt: string }>;
  describe(
    executionArn: string,
  ): Promise<{ status: RunStatus; stopped_at?: string; error?: string; cause?: string }>;
  history(executionArn: string): Promise<StepRecord[]>;
  stop(executionArn: string, error: string, cause: string): Promise<void>;
}

/** Named secrets (Slack tokens, the link-signing key, webhook secrets); values are never logged. */
export interface Secrets {
  /** The secret's value, or undefined when it is not set. */
  get(name: string): Promise<string | undefined>;
}

/** The holder of a project lock: the run that may plan and apply the project until it ends. */
export interface LockHolder {
  run_id: string;
  workflow: string;
  acquired_at: string;
  /** The lease: after this instant another run may take the lock over (a crashed holder). */
  expires_at: string;
  /**
   * Why only an admin may release the lock now (the holder's apply was interrupted, so the
   * project's state is unknown): nobody takes it over and the run's end does not release it.
   */
  held_for_admin?: string;
}

/**
 * A project's lock item. `version` grows by one with every change (acquire, take-over, release),
 * so a write conditioned on it is a compare-and-swap: two runs can never both win the same version.
 */
export interface ProjectLock {
  project: string;
  version: number;
  holder?: LockHolder;
  /** When and why the lock was last released (absent while held). */
  released_at?: string;
}

/** Project locks; every write is one conditional write on the project's lock item. */
export interface LockStore {
  /** The project's lock item as it is now (strongly consistent), or undefined if it was never taken. */
  get(project: string): Promise<ProjectLock | undefined>;
  /**
   * Makes `holder` the holder if the item still has version `expected` (0: no item yet); returns
   * the lock as written, or undefined when someone changed it first.
   */
  acquire(
    project: string,
    holder: LockHolder,
    expected: number,
    now: string,
  ): Promise<ProjectLock | undefined>;
  /**
   * Frees the lock if `runId` holds it and it is not held for an admin (`force`, an admin's
   * release, frees that too); returns the lock as it was before, or undefined when nothing was freed.
   */
  release(
    project: string,
    runId: string,
    now: string,
    options?: { force?: boolean },
  ): Promise<ProjectLock | undefined>;
  /** Keeps `runId`'s lock for an admin to release, with the reason; false when that run does not hold it. */
  hold(project: string, runId: string, reason: string): Promise<boolean>;
  /**
   * Moves the lease of `runId`'s lock on to `expiresAt` when that is later than it is now (a run
   * waiting out a freeze still holds its projects); false when that run does not hold it, or its
   * lease already runs that long.
   */
  renew(project: string, runId: string, expiresAt: string): Promise<boolean>;
}

/**
 * The ad-hoc freezes admins start and end. All of them live in one item, written with a
 * compare-and-swap on its version, so a list is one strongly consistent read.
 */
export interface FreezeStore {
  /** Every stored freeze: in effect, to come, and those ended in the last 30 days. */
  list(): Promise<AdhocFreeze[]>;
  /** Adds a freeze; throws if its id is taken. */
  add(freeze: AdhocFreeze): Promise<void>;
  /** Ends a freeze that has not ended; returns it as ended, or undefined when there is no such freeze in effect. */
  end(id: string, endedAt: string, endedBy: string): Promise<AdhocFreeze | undefined>;
}

/** One page of a build's log: whole lines after a position, and the position after them. */
export interface BuildLogPage {
  lines: string[];
  /** Where the next read starts; the same position again when nothing new was written. */
  next: string;
}

/** Reads a build's log from a position (a file locally, CloudWatch Logs in AWS). */
export interface BuildLogReader {
  /**
   * At most `limit` whole lines after `position` (from the start when undefined); undefined when
   * the build has no log (yet). A line still being written is not returned until it ends.
   */
  read(buildId: string, position: string | undefined, limit: number): Promise<BuildLogPage | undefined>;
}

/** One build a task state started, from the execution history. */
export interface StepBuild {
  /** The task state that started it (an iac step's id). */
  state: string;
  /** CodeBuild's build id, `<project name>:<uuid>`. */
  build_id: string;
  /** The task has ended (the build finished, failed or was stopped). */
  ended: boolean;
}

/** Finds the builds an execution started, oldest first (Step Functions history). */
export interface StepBuildFinder {
  list(executionArn: string): Promise<StepBuild[]>;
}

/**
 * The ports the domain talks through. Adapters in `functions/adapters/` implement them for
 * AWS (DynamoDB, Step Functions, S3, SES, Slack) and in memory for tests.
 */
import type { PlanSummary } from '../../statemachines/contract.ts';

/** Audit actions; the audit trail is append-only. */
export type AuditAction =
  | 'run_started'
  | 'bypass_started'
  | 'requested'
  | 'approved'
  | 'rejected'
  | 'refused'
  | 'timed_out'
  | 'escalated'
  | 'notified'
  | 'plan_failed'
  | 'policy_failed'
  | 'plan_drift_blocked'
  | 'applied'
  | 'apply_failed'
  | 'run_finished';

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
  append(event: AuditEventInput): Promise<void>;
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

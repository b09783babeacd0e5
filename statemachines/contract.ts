/**
 * The data that flows between the compiled state machines and the Lambda handlers.
 * compile.ts builds the Parameters that produce these shapes; the handlers read them.
 */
import type { RunDrift } from './drift-contract.ts';

/** Who or what started a run. */
export type Trigger =
  | { type: 'manual' }
  | {
      type: 'github';
      delivery: string;
      repository: string;
      branch: string;
      /** The commit the run builds: the merge commit, or the open pull request's head (`event: pull_request`). */
      pr: { number: number; title: string; author: string; merge_commit: string; url: string };
      /** Set for a run started by a pull request opened or pushed to (plan only), before its merge. */
      event?: 'pull_request';
    }
  | { type: 'webhook'; idempotency_key?: string }
  /** `slot`: the scheduled time (ISO, to the minute) the run is for; one run per slot. */
  | { type: 'schedule'; slot: string; cron: string; timezone: string }
  /** A fix-up run, started by the drift check (`run_id`, `step_id`) that found `project` drifted. */
  | { type: 'fix_up'; run_id: string; workflow: string; step_id: string; project: string };

/** A person in the directory, as it travels in payloads. */
export interface Person {
  email: string;
  name: string;
}

/**
 * What a run builds, fixed when it starts. `repository`: every build checks out one commit of the
 * configured repository (the local runtime's git repository, or GitHub/CodeCommit in AWS).
 * `snapshot`: no repository is configured, so builds use the copy taken at deploy time, and a
 * commit the trigger named was not built (`requested_commit`).
 */
export type RunSource =
  | {
      type: 'repository';
      /**
       * The full commit SHA every build of the run checks out. Absent only when the run started
       * from a branch in AWS: the run's first build resolves it (CodeBuild's resolved source
       * version) and every later build uses that SHA.
       */
      commit?: string;
      /** The branch or tag it was resolved from, when the trigger named one. */
      ref?: string;
      /** `owner/name` on GitHub, the CodeCommit repository, or `local`. */
      repository: string;
      /** What the first build checks out: the commit when known, otherwise the ref. */
      checkout: string;
    }
  | { type: 'snapshot'; requested_commit?: string };

/** The run's identity: the execution input's `run`, present in every state. */
export interface RunInfo {
  id: string;
  workflow: string;
  environment: string;
  production: boolean;
  trigger: Trigger;
  started_by: Person | null;
  started_at: string;
  reason?: string;
  bypass?: boolean;
  /** What the run builds; absent on runs recorded before runs were pinned to commits. */
  source?: RunSource;
}

/** The execution input every workflow's state machine expects. */
export interface ExecutionInput {
  run: RunInfo;
  input?: unknown;
}

/** A plan's summary as the gate and conditions see it (the full plan stays in S3). */
export interface PlanSummary {
  step_id: string;
  project: string;
  add: number;
  change: number;
  destroy: number;
  replace: number;
  /** Resource addresses with their actions; capped, see `resources_truncated`. */
  resources: { address: string; action: 'create' | 'update' | 'delete' | 'replace' | 'read' }[];
  resources_truncated: boolean;
  hash: string;
  artifacts: { plan_json: string; saved_plan?: string; log?: string };
}

/** Monthly cost of a plan; `estimated: false` means no estimate was made (never a guess). */
export type CostSummary =
  | { estimated: false; reason: string }
  | {
      estimated: true;
      currency: string;
      monthly_before: number;
      monthly_after: number;
      monthly_delta: number;
    };

/** Policy results of a plan, from signoff's own policies and conftest/Checkov. */
export interface PolicySummary {
  passed: number;
  failed: number;
  mandatory_failed: number;
  /**
   * The failed results only, mandatory first; capped, see `results_truncated`. Passed results are
   * counted, never listed: the list would grow with the policy set past the 256 KB state limit.
   */
  results: {
    name: string;
    source: string;
    severity: 'mandatory' | 'advisory';
    passed: boolean;
    message?: string;
  }[];
  /** More results failed than `results` lists. */
  results_truncated?: boolean;
  /** Artifact key of the step's `policy.json`, which holds every result, passed and failed. */
  artifact?: string;
}

/** What an approval gate decided, as returned by SendTaskSuccess into `$.data.approval`. */
export interface ApprovalDecision {
  gate_id: string;
  step_id: string;
  status: 'approved';
  approved_by: { email: string; name: string; at: string; comment?: string; channel: string }[];
  approved_by_count: number;
  requested_at: string;
  decided_at: string;
  plan_hash: string | null;
  /** Present when no person approved: signoff closed the gate by the step's auto-approval rule. */
  auto_approved?: { reason: string; expression: string };
}

/** The run's accumulated facts, at `$.data`. */
export interface RunData {
  plan?: PlanSummary;
  cost?: CostSummary;
  policy?: PolicySummary;
  approval?: ApprovalDecision;
  steps?: Record<string, unknown>;
  /**
   * The source every iac build checks out (`SourceVersion`), when the workflow builds from a
   * repository: set from `run.source.checkout` at the start, and pinned to the commit the first
   * build resolved.
   */
  source?: { checkout: string; commit?: string };
  /** What the latest plan step found for each later gate with rules or auto-approval, by the gate's step id. */
  gate_rules?: Record<string, GateRuleResult>;
  /** What the run's drift checks found (statemachines/drift-contract.ts). */
  drift?: RunDrift;
}

/** What a condition step tests, as the compiler copies it into the gates before it. */
export interface ConditionTest {
  step_id: string;
  field: string;
  op: 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'ne';
  value: number | string | boolean;
  when_missing: 'then' | 'else' | 'fail';
}

/** A later approval step a run may reach after a gate: always, or when the conditions on the way take the branches named. */
export interface FollowingGate {
  step_id: string;
  name: string;
  approvers: string[];
  required: number;
  /** The condition steps between the two gates, in order, each with the branch that leads on; empty: every run reaches it. */
  when: (ConditionTest & { branch: 'then' | 'else' })[];
}

/** One conditional approver rule of a gate: when its CEL expression matches the plan, it needs its own approvals. */
export interface ApprovalRuleConfig {
  when: string;
  /** Approver refs; the step's approvers when the rule names none. */
  approvers: string[];
  required: number;
  reason?: string;
  /** True when an approval counted for this rule may also count for the gate's other rules. */
  shared: boolean;
}

/** What the plan step found for one later gate: the rules that matched and whether it may close by itself. */
export interface GateRuleResult {
  /** The hash of the plan the expressions read; a gate whose plan has another hash applies every rule. */
  plan_hash: string;
  /** The rules (by index in the gate's `rules`) that matched, each with the resources that make it match (capped). */
  matched: { rule: number; resources: string[]; resources_count: number }[];
  /** The auto-approval expression's verdict and the plan values it read. */
  auto_approve?: { matched: boolean; values: AutoApproveValues };
}

/** The plan values an auto-approval saw, kept in its audit event. */
export interface AutoApproveValues {
  add: number;
  change: number;
  destroy: number;
  replace: number;
  /** Changed resources by type and action, e.g. `aws_instance update: 2`. */
  resources: Record<string, number>;
  /** The attributes the changed resources change, each once. */
  changed_attributes: string[];
}

/** What a plan step evaluates for a gate after it: the gate's rule expressions and its auto-approval expression. */
export interface GateRuleExpressions {
  step_id: string;
  rules: string[];
  auto_approve?: string;
}

/** Static configuration of one approval gate, compiled into the ASL. */
export interface GateConfig {
  name: string;
  approvers: string[];
  required: number;
  timeout_seconds: number;
  on_timeout: 'cancel' | 'reject';
  include: ('plan' | 'cost' | 'policy')[];
  notify: { slack?: string; email: boolean };
  allow_self_approval: boolean;
  escalation: { after_seconds: number; approvers: string[] }[];
  /** Votes count only from a web session signed in through the identity provider within this many seconds. */
  require_signin?: { max_age_seconds: number };
  /** The approval steps that may follow this one, and the conditions that decide (absent on gates compiled before it was kept). */
  follows?: FollowingGate[];
  /** False when the workflow says `supersede: false`: a newer approved run leaves this gate waiting. */
  supersede?: boolean;
  /** Conditional approver rules (absent when the step has none). */
  rules?: ApprovalRuleConfig[];
  /** When this CEL expression matches the plan, the gate closes as approved by signoff, with `reason`. */
  auto_approve?: { when: string; reason: string };
}

/** Payload of the request-approval task (lambda:invoke.waitForTaskToken). */
export interface RequestApprovalInput {
  task_token: string;
  run: RunInfo;
  step_id: string;
  gate: GateConfig;
  data: RunData;
}

/** Error and cause as Step Functions hands them to a Catch's ResultPath. */
export interface StepError {
  Error: string;
  Cause?: string;
}

/** Payload of the record-timeout task (after a gate's States.Timeout). */
export interface RecordTimeoutInput {
  run: RunInfo;
  step_id: string;
  on_timeout: 'cancel' | 'reject';
  error: StepError;
}

/** Payload of the summarize task after each iac build; it returns the new `RunData`. */
export interface SummarizeStepInput {
  run: RunInfo;
  step_id: string;
  project: string;
  action: 'plan' | 'apply';
  /** `drift`: the plan was a drift check; drift is reported, never a failure. */
  mode?: 'drift';
  plan_from?: string;
  approved_plan_hash?: string;
  /** The build's result; `source_version` is the commit it built (CodeBuild's ResolvedSourceVersion). */
  build: { id?: string; status?: string; source_version?: string; error?: StepError };
  data: RunData;
}

/** Payload of the notify task (http steps). */
export interface NotifyInput {
  run: RunInfo;
  step_id: string;
  http: { url?: string; secret?: string; method: string; headers: Record<string, string>; body?: string };
  /** `no_changes`: the plan had no changes, so the run ended before its gate. */
  outcome: 'succeeded' | 'failed' | 'no_changes';
  failure?: StepError;
  data: RunData;
}

/**
 * Payload of the task that records a gate skipped because the plans before it have no changes;
 * the run-ended function serves it (it writes the runs table and appends to the audit trail).
 */
export interface SkipGateInput {
  kind: 'skip_gate';
  run: RunInfo;
  /** The approval step that was not opened. */
  step_id: string;
  gate_name: string;
  /** The plan steps before the gate, whose change counts were zero (or did not run). */
  plans: string[];
  data: RunData;
}

/** Payload of the project-lock task, which the run-ended function serves; `kind` tells it from a status-change event. */
export interface AcquireLocksInput {
  kind: 'acquire_project_locks';
  run: RunInfo;
  /** The workflow's IaC projects, sorted, so two runs always take them in the same order. */
  projects: string[];
  /** How long to wait for another run's lock (the workflow's `lock.wait`). */
  wait_seconds: number;
  /** The lease: how long the lock is safe from take-over, at least as long as the run can take. */
  lease_seconds: number;
  /** When this run began waiting (null on the first try); the task hands it back each time. */
  waiting_since: string | null;
  /**
   * The workflow's `supersede`: a run that waits for a lock held by an older run of the same
   * workflow waiting at a gate cancels that gate as superseded. Absent (compiled before) is false.
   */
  supersede?: boolean;
}

/** What the project-lock task returns into `$.lock`: all held, or whom the run waits for and for how long to pause. */
export interface AcquireLocksResult {
  acquired: boolean;
  waiting_since: string | null;
  retry_after_seconds: number;
  waiting_for?: { project: string; run_id: string; workflow: string; since: string };
}

/** The freeze check before an apply step: run-ended's `check_freeze` task. */
export interface CheckFreezeInput {
  kind: 'check_freeze';
  run: RunInfo;
  /** The apply step it stands in front of. */
  step_id: string;
  /** The workflow's lock lease: a run waiting out a freeze keeps its project locks this long past each check. */
  lease_seconds: number;
  /** When this apply began waiting (null on the first check); the task hands it back each time. */
  frozen_since: string | null;
}

/** What the freeze check returns into `$.freeze`: go on, or wait until `recheck_at` and check again. */
export interface CheckFreezeResult {
  frozen: boolean;
  frozen_since: string | null;
  /** When to check again (a freeze's end, or sooner: an admin may end it early). */
  recheck_at?: string;
  /** When the freeze ends; absent while it lasts until an admin ends it. */
  until?: string;
  /** The freezes in effect, and why. */
  freezes?: { name: string; reason: string }[];
  /** An emergency bypass went through the freeze (audited `freeze_overridden`). */
  overridden?: boolean;
}

/** Environment variables the iac build gets (CodeBuild overrides, and the local build runner). */
export const BUILD_ENV = {
  action: 'SIGNOFF_ACTION',
  runId: 'SIGNOFF_RUN_ID',
  stepId: 'SIGNOFF_STEP_ID',
  project: 'SIGNOFF_PROJECT',
  planFrom: 'SIGNOFF_PLAN_FROM',
  approvedPlanHash: 'SIGNOFF_APPROVED_PLAN_HASH',
  /** A plan step's: the later gates' rule and auto-approval expressions (JSON `GateRuleExpressions[]`), evaluated on the plan. */
  gateRules: 'SIGNOFF_GATE_RULES',
  /** `drift` for a drift check's plan (no cost, no policies; `drift-check.json`). */
  planMode: 'SIGNOFF_PLAN_MODE',
} as const;

/** ASL placeholders that infra (CDK) and the local runtime replace with real ARNs/names. */
export const PLACEHOLDER = {
  requestApproval: 'RequestApprovalFunctionArn',
  recordTimeout: 'RecordTimeoutFunctionArn',
  summarizeStep: 'SummarizeStepFunctionArn',
  notify: 'NotifyFunctionArn',
  /** The run-ended function also takes a run's project locks (it is the one that releases them). */
  runEnded: 'RunEndedFunctionArn',
  /**
   * One CodeBuild project per IaC project and action, `BuildProject_<name with _ for ->_<action>`:
   * plan and apply run as different roles (a read-only plan role, the apply role that may change
   * the infrastructure), and only the state machines may start the apply project.
   */
  buildProject: (project: string, action: 'plan' | 'apply') =>
    `BuildProject_${project.replace(/-/g, '_')}_${action}`,
} as const;

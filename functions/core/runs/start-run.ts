/**
 * Starts a run of a workflow, whatever the trigger: checks who may start it, records the run
 * (put-if-absent, so a redelivered trigger starts nothing twice), audits `run_started` or, for a
 * production workflow without an approval gate, `bypass_started`, and starts the execution.
 */

import { createHash, randomBytes } from 'node:crypto';
import type { ExecutionInput, Person, RunInfo, Trigger } from '../../../statemachines/contract.ts';
import { isProduction } from '../../../statemachines/environment.ts';
import type { Directory, Workflow } from '../../../statemachines/schema.ts';
import { directoryNow } from '../approval/approval-deps.ts';
import type { IdentityStore } from '../auth/identity-store.ts';
import type { AuditLog, Clock, RunEngine, RunRecord, RunStore } from '../ports.ts';
import { recordRunEnd } from './record-run-end.ts';
import { SourceRefusedError, type SourceRequest, type SourceResolver, sourceRequestOf } from './source.ts';
import type { WorkflowCatalog } from './workflow-catalog.ts';

/** What starting a run needs. */
export interface StartRunDeps {
  runs: RunStore;
  runEngine: RunEngine;
  audit: AuditLog;
  workflows: WorkflowCatalog;
  directory: Directory;
  identities?: Pick<IdentityStore, 'get' | 'list'>;
  /** Resolves the commit the run builds. */
  source: SourceResolver;
  now: Clock;
}

/** A request to start a run. */
export interface StartRunRequest {
  workflow: string;
  trigger: Trigger;
  /** For manual starts, the directory user's email (checked against `manual.roles`). */
  startedBy?: string;
  /** Who or what started it when it is not a directory user (e.g. `github:octocat`). */
  actor?: Person;
  reason?: string;
  /** A dedup key (GitHub delivery id, webhook Idempotency-Key): the same key never starts two runs. */
  dedupKey?: string;
  input?: unknown;
  /** The commit or ref a webhook or manual start names; a merged PR's comes from its trigger. */
  source?: SourceRequest;
}

/** The outcome every trigger renders. */
export type StartRunOutcome =
  | { kind: 'started'; run: RunRecord }
  | { kind: 'duplicate'; run: RunRecord }
  | { kind: 'refused'; status: 400 | 403 | 404; message: string };

const MAX_REASON = 1000;

/**
 * Whether a workflow deploys to production without any approval gate (the emergency pattern). A
 * workflow whose every iac step is a drift check deploys nothing: it is not one.
 */
export function isBypass(workflow: Workflow): boolean {
  const iac = workflow.steps.filter((s) => s.type === 'iac');
  const checksOnly = iac.length > 0 && iac.every((s) => s.mode === 'drift');
  return isProduction(workflow) && !workflow.steps.some((s) => s.type === 'approval') && !checksOnly;
}

/** A run id: sortable by time, unguessable, valid as a Step Functions execution name. */
export function newRunId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(5).toString('hex')}`;
}

/** The run id for a dedup key: the same workflow and key always give the same id. */
export function dedupRunId(workflow: string, key: string): string {
  return `d-${createHash('sha256').update(`${workflow}\n${key}`).digest('hex').slice(0, 40)}`;
}

/** Who may start the run, checked; the people it records and whether it bypasses approval. */
type CheckedStart =
  | { kind: 'ok'; startedBy: Person | null; requester: Person | null; bypass: boolean; reason?: string }
  | Extract<StartRunOutcome, { kind: 'refused' }>;

function checkStart(deps: StartRunDeps, workflow: Workflow, request: StartRunRequest): CheckedStart {
  let startedBy: Person | null = request.actor ?? null;
  let requester: Person | null = null;
  if (request.trigger.type === 'manual') {
    const roles = workflow.triggers.manual?.roles;
    if (!roles)
      return { kind: 'refused', status: 403, message: `${workflow.name} cannot be started by hand` };
    const user = deps.directory.users.find((u) => u.email.toLowerCase() === request.startedBy?.toLowerCase());
    if (!user)
      return { kind: 'refused', status: 403, message: 'only people in the directory can start runs' };
    if (!roles.includes(user.role)) {
      return {
        kind: 'refused',
        status: 403,
        message: `${workflow.name} can be started by ${roles.join(' or ')} only; ${user.email} is ${user.role}`,
      };
    }
    // The emergency pattern: a production deploy without approval is for admins only, whatever
    // else the workflow's manual roles list.
    if (isBypass(workflow) && user.role !== 'admin') {
      return {
        kind: 'refused',
        status: 403,
        message: `${workflow.name} is an emergency workflow (production, no approval gate): only admins may start it; ${user.email} is ${user.role}`,
      };
    }
    startedBy = { email: user.email, name: user.name };
    requester = startedBy;
  } else if (request.trigger.type === 'github') {
    const author = request.trigger.pr.author.toLowerCase();
    const user = deps.directory.users.find((u) => u.github?.toLowerCase() === author);
    // The PR author is the requester: without allow_self_approval they cannot approve their own change.
    if (user) requester = { email: user.email, name: user.name };
  }

  const bypass = isBypass(workflow);
  const reason = request.reason?.trim();
  if (reason && reason.length > MAX_REASON) {
    return { kind: 'refused', status: 400, message: `reason is longer than ${MAX_REASON} characters` };
  }
  if (bypass && request.trigger.type === 'manual' && !reason) {
    return {
      kind: 'refused',
      status: 400,
      message: `${workflow.name} deploys to production without approval: give a reason (it is audited for post-incident review)`,
    };
  }
  return { kind: 'ok', startedBy, requester, bypass, ...(reason ? { reason } : {}) };
}

/**
 * Audits a refused start as `start_refused`, with who asked, how, and why not. It has no run, so
 * it is written under an id of its own (`refused-<time>-<random>`), found by workflow and actor.
 */
async function auditRefusedStart(
  deps: StartRunDeps,
  workflow: Workflow,
  request: StartRunRequest,
  refusal: Extract<StartRunOutcome, { kind: 'refused' }>,
): Promise<void> {
  const user = deps.directory.users.find((u) => u.email.toLowerCase() === request.startedBy?.toLowerCase());
  const asked = request.startedBy?.slice(0, 254);
  const actor = user
    ? { email: user.email, name: user.name }
    : (request.actor ??
      (asked
        ? { email: asked, name: asked }
        : { email: `${request.trigger.type}:${workflow.name}`, name: request.trigger.type }));
  const now = deps.now();
  await deps.audit.append({
    action: 'start_refused',
    actor,
    workflow: workflow.name,
    run_id: `refused-${newRunId(now)}`,
    at: new Date(now).toISOString(),
    reason: refusal.message,
    channel: request.trigger.type,
    details: {
      status: refusal.status,
      bypass: isBypass(workflow),
      trigger: describeTrigger(request.trigger),
    },
  });
}

/** Starts a run, or says why not (a refusal for a known workflow is audited). */
export async function startRun(given: StartRunDeps, request: StartRunRequest): Promise<StartRunOutcome> {
  // The starter's role may come from their last sign-in through the identity provider.
  const deps = request.startedBy
    ? { ...given, directory: await directoryNow(given, request.startedBy) }
    : given;
  const workflow = deps.workflows.get(request.workflow);
  if (!workflow) return { kind: 'refused', status: 404, message: `no workflow named "${request.workflow}"` };
  const checked = checkStart(deps, workflow, request);
  if (checked.kind === 'refused') {
    await auditRefusedStart(deps, workflow, request, checked);
    return checked;
  }
  const { startedBy, requester, bypass, reason } = checked;
  let source: RunInfo['source'];
  try {
    source = await deps.source.resolve(sourceRequestOf(request.trigger, request.source));
  } catch (error) {
    if (!(error instanceof SourceRefusedError)) throw error;
    const refusal = { kind: 'refused', status: 400, message: error.message } as const;
    await auditRefusedStart(deps, workflow, request, refusal);
    return refusal;
  }

  const now = deps.now();
  const runId = request.dedupKey ? dedupRunId(workflow.name, request.dedupKey) : newRunId(now);
  const stateMachineArn = deps.workflows.stateMachineArn(workflow.name);
  const run: RunInfo = {
    id: runId,
    workflow: workflow.name,
    environment: workflow.environment,
    production: isProduction(workflow),
    trigger: request.trigger,
    started_by: requester ?? startedBy,
    started_at: new Date(now).toISOString(),
    ...(reason ? { reason } : {}),
    ...(bypass ? { bypass: true } : {}),
    source,
  };
  const record: RunRecord = {
    ...run,
    execution_arn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`,
    status: 'RUNNING',
  };
  if (!(await deps.runs.create(record))) {
    const existing = await deps.runs.get(runId);
    return { kind: 'duplicate', run: existing ?? record };
  }

  const actor = startedBy ?? {
    email: `${request.trigger.type}:${workflow.name}`,
    name: request.trigger.type,
  };
  await deps.audit.append({
    action: bypass ? 'bypass_started' : 'run_started',
    actor,
    workflow: workflow.name,
    run_id: runId,
    at: run.started_at,
    ...(reason ? { reason } : {}),
    details: {
      trigger: describeTrigger(request.trigger),
      environment: workflow.environment,
      source,
      ...(bypass ? { review: 'post-incident review required' } : {}),
    },
  });

  const input: ExecutionInput = { run, ...(request.input !== undefined ? { input: request.input } : {}) };
  try {
    await deps.runEngine.start(stateMachineArn, runId, input);
  } catch (error) {
    await recordRunEnd(deps, runId, {
      status: 'FAILED',
      stopped_at: new Date(deps.now()).toISOString(),
      error: 'StartFailed',
      cause: `the execution could not be started: ${(error as Error).name}`,
    });
    throw error;
  }
  return { kind: 'started', run: record };
}

function describeTrigger(trigger: Trigger): Record<string, unknown> {
  if (trigger.type === 'github') {
    return {
      type: 'github',
      repository: trigger.repository,
      branch: trigger.branch,
      pr: trigger.pr,
      delivery: trigger.delivery,
    };
  }
  return { ...trigger };
}

/**
 * The run reached a gate: store it with its task token, audit `requested`, tell the approvers
 * and schedule the escalations.
 */
import type { RequestApprovalInput } from '../../../statemachines/contract.ts';
import { announce } from '../notify/delivery-failures.ts';
import type { Gate } from '../ports.ts';
import { sourceDetails } from '../runs/source.ts';
import { safely } from '../safely.ts';
import { type ApprovalDeps, logOf } from './approval-deps.ts';
import { resolveApprovers } from './directory.ts';
import { countPossibleApprovers } from './eligibility.ts';
import { gateAuditBase, gateIdFor } from './gate.ts';
import { tellEngine } from './tell-engine.ts';

/** What requestApproval did: a new gate, a retried request on a pending gate, or a retry after it closed. */
export type RequestApprovalOutcome = 'created' | 'token_replaced' | 'already_closed';

/** Actor of `requested` when nobody in particular started the run. */
const SIGNOFF_ACTOR = { email: 'system:signoff', name: 'signoff' };

/** Builds the gate a request describes, approvers resolved against today's directory. */
export function buildGate(deps: Pick<ApprovalDeps, 'directory' | 'now'>, input: RequestApprovalInput): Gate {
  const now = deps.now();
  const { people, unresolved } = resolveApprovers(deps.directory, input.gate.approvers);
  const { plan, cost, policy, source } = input.data;
  return {
    gate_id: gateIdFor(input.run.id, input.step_id),
    run: input.run,
    step_id: input.step_id,
    workflow: input.run.workflow,
    config: input.gate,
    approvers: people,
    unresolved,
    escalations: {},
    required: input.gate.required,
    requested_at: new Date(now).toISOString(),
    deadline: new Date(now + input.gate.timeout_seconds * 1000).toISOString(),
    requester: input.run.started_by
      ? { email: input.run.started_by.email, name: input.run.started_by.name }
      : null,
    data: {
      ...(plan ? { plan } : {}),
      ...(cost ? { cost } : {}),
      ...(policy ? { policy } : {}),
      ...(source ? { source } : {}),
    },
    status: 'pending',
    approved_by: [],
    engine_notified: false,
  };
}

/** Creates the gate for a waiting task (idempotent per run and step) and starts the notifications. */
export async function requestApproval(
  deps: ApprovalDeps,
  input: RequestApprovalInput,
): Promise<{ gate: Gate; outcome: RequestApprovalOutcome }> {
  const log = logOf(deps);
  const gate = buildGate(deps, input);
  if (!(await deps.gates.create(gate, input.task_token))) {
    // A retried task: the engine now waits on the new token, so the gate must answer that one.
    const existing = await deps.gates.replaceTaskToken(gate.gate_id, input.task_token, gate.deadline);
    if (!existing) throw new Error(`gate ${gate.gate_id} vanished while its token was replaced`);
    if (existing.status === 'pending') {
      log.info('request retried; task token replaced', { gate_id: gate.gate_id });
      return { gate: existing, outcome: 'token_replaced' };
    }
    await tellEngine(deps, existing);
    return { gate: existing, outcome: 'already_closed' };
  }

  const possible = countPossibleApprovers(gate);
  if (possible < gate.required || gate.unresolved.length > 0) {
    log.warn('gate approvers look wrong', {
      gate_id: gate.gate_id,
      required: gate.required,
      possible_approvers: possible,
      unresolved: gate.unresolved,
    });
  }
  await deps.audit.append({
    ...gateAuditBase(gate),
    action: 'requested',
    actor: gate.requester ?? SIGNOFF_ACTOR,
    at: gate.requested_at,
    details: {
      approvers: gate.approvers.map((a) => a.email),
      required: gate.required,
      possible_approvers: possible,
      deadline: gate.deadline,
      timeout_seconds: gate.config.timeout_seconds,
      ...sourceDetails(gate.run.source, gate.data),
      ...(gate.unresolved.length > 0 ? { unresolved: gate.unresolved } : {}),
    },
  });
  // Undelivered messages are recorded on the gate and audited; they never fail the request.
  await announce(deps, gate, 'requested', (notifier) => notifier.requested(gate));
  await scheduleEscalations(deps, gate);
  return { gate, outcome: 'created' };
}

async function scheduleEscalations(deps: ApprovalDeps, gate: Gate): Promise<void> {
  const start = Date.parse(gate.requested_at);
  for (const [index, level] of gate.config.escalation.entries()) {
    const at = start + level.after_seconds * 1000;
    if (at >= Date.parse(gate.deadline)) {
      logOf(deps).warn('escalation falls after the deadline; not scheduled', {
        gate_id: gate.gate_id,
        index,
      });
      continue;
    }
    await safely(deps, 'schedule escalation', () =>
      deps.scheduler.scheduleEscalation(gate.gate_id, index, new Date(at)),
    );
  }
}

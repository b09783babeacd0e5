/**
 * The run reached a gate: store it with its task token, audit `requested`, tell the approvers
 * and schedule the escalations.
 */
import type {
  AutoApproveValues,
  GateRuleResult,
  RequestApprovalInput,
} from '../../../statemachines/contract.ts';
import { readFreezeNotice } from '../freeze/freeze-notice.ts';
import { announce } from '../notify/delivery-failures.ts';
import type { Gate, GateRule } from '../ports.ts';
import { sourceDetails } from '../runs/source.ts';
import { safely } from '../safely.ts';
import { type ApprovalDeps, directoryNow, logOf } from './approval-deps.ts';
import { resolveApprovers } from './directory.ts';
import { drainGate } from './drain-gate.ts';
import { countPossibleApprovers } from './eligibility.ts';
import { gateAuditBase, gateIdFor } from './gate.ts';
import { fewestApprovals } from './quorum.ts';
import { supersedeOlderRuns } from './supersede-older-runs.ts';

/** What requestApproval did: a new gate, a retried request on a pending gate, or a retry after it closed. */
export type RequestApprovalOutcome = 'created' | 'auto_approved' | 'token_replaced' | 'already_closed';

/** Actor of `requested` when nobody in particular started the run, and of auto-approvals. */
const SIGNOFF_ACTOR = { email: 'system:signoff', name: 'signoff' };

/** Builds the gate a request describes, approvers resolved against today's directory. */
export function buildGate(deps: Pick<ApprovalDeps, 'directory' | 'now'>, input: RequestApprovalInput): Gate {
  const now = deps.now();
  const { people, unresolved } = resolveApprovers(deps.directory, input.gate.approvers);
  const { plan, cost, policy, source } = input.data;
  const rules = buildRules(deps, input);
  const autoApproved = autoApprovalOf(input);
  return {
    gate_id: gateIdFor(input.run.id, input.step_id),
    run: input.run,
    step_id: input.step_id,
    workflow: input.run.workflow,
    config: input.gate,
    approvers: people,
    unresolved: [...new Set([...unresolved, ...(rules?.unresolved ?? [])])],
    escalations: {},
    required: fewestApprovals([
      { required: input.gate.required, shared: false },
      ...(rules?.rules ?? []).filter((r) => r.matched),
    ]),
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
    ...(rules ? { rules: rules.rules } : {}),
    ...(autoApproved
      ? { auto_approved: { reason: autoApproved.reason, expression: autoApproved.expression } }
      : {}),
    engine_notified: false,
  };
}

/**
 * What the plan step found for this gate, when it read the very plan the gate shows; undefined
 * otherwise (no plan, or another plan since), and then every rule applies and nothing closes by itself.
 */
function ruleResultOf(input: RequestApprovalInput): GateRuleResult | undefined {
  const result = input.data.gate_rules?.[input.step_id];
  const plan = input.data.plan;
  return result && plan && result.plan_hash === plan.hash ? result : undefined;
}

/** The gate's rules with their people and whether the plan matched them. */
function buildRules(
  deps: Pick<ApprovalDeps, 'directory'>,
  input: RequestApprovalInput,
): { rules: GateRule[]; unresolved: string[] } | undefined {
  const configured = input.gate.rules;
  if (!configured || configured.length === 0) return undefined;
  const result = ruleResultOf(input);
  const unresolved: string[] = [];
  const rules = configured.map((rule, index): GateRule => {
    const resolved = resolveApprovers(deps.directory, rule.approvers);
    unresolved.push(...resolved.unresolved);
    const match = result?.matched.find((m) => m.rule === index);
    return {
      when: rule.when,
      ...(rule.reason ? { reason: rule.reason } : {}),
      approvers: rule.approvers,
      people: resolved.people,
      required: rule.required,
      shared: rule.shared,
      matched: result === undefined || match !== undefined,
      resources: match?.resources ?? [],
      resources_count: match?.resources_count ?? 0,
    };
  });
  return { rules, unresolved };
}

/** A rule as the `requested` event records it: whether it applies, why, and whom it asks. */
function auditedRule(rule: GateRule) {
  return {
    when: rule.when,
    ...(rule.reason ? { reason: rule.reason } : {}),
    matched: rule.matched,
    approvers: rule.approvers,
    required: rule.required,
    shared: rule.shared,
    resources: rule.resources,
    resources_count: rule.resources_count,
  };
}

/** The auto-approval that applies to this request: its rule matched the gate's plan, and the run is no emergency bypass. */
function autoApprovalOf(
  input: RequestApprovalInput,
): { reason: string; expression: string; values: AutoApproveValues } | undefined {
  const rule = input.gate.auto_approve;
  const verdict = ruleResultOf(input)?.auto_approve;
  if (!rule || !verdict?.matched || input.run.bypass) return undefined;
  return { reason: rule.reason, expression: rule.when, values: verdict.values };
}

/** Creates the gate for a waiting task (idempotent per run and step) and starts the notifications. */
export async function requestApproval(
  deps: ApprovalDeps,
  input: RequestApprovalInput,
): Promise<{ gate: Gate; outcome: RequestApprovalOutcome }> {
  const log = logOf(deps);
  const gate = buildGate({ ...deps, directory: await directoryNow(deps, 'all') }, input);
  const freeze = await readFreezeNotice(
    deps,
    { name: gate.workflow, environment: gate.run.environment },
    deps.now(),
    Date.parse(gate.deadline),
  );
  if (freeze) gate.freeze_notice = freeze;
  if (!(await deps.gates.create(gate, input.task_token))) {
    // A retried task: the engine now waits on the new token, so the gate must answer that one.
    const existing = await deps.gates.replaceTaskToken(gate.gate_id, input.task_token, gate.deadline);
    if (!existing) throw new Error(`gate ${gate.gate_id} vanished while its token was replaced`);
    if (existing.status === 'pending') {
      log.info('request retried; task token replaced', { gate_id: gate.gate_id });
      return { gate: existing, outcome: 'token_replaced' };
    }
    // Through the drain, so an approved gate still supersedes older runs before the engine hears it.
    await drainGate(deps, existing.gate_id);
    return { gate: existing, outcome: 'already_closed' };
  }

  const autoApproval = autoApprovalOf(input);
  if (autoApproval)
    return { gate: await autoApprove(deps, gate, autoApproval.values), outcome: 'auto_approved' };

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
      ...(gate.rules ? { rules: gate.rules.map(auditedRule) } : {}),
    },
  });
  // Undelivered messages are recorded on the gate and audited; they never fail the request.
  await announce(deps, gate, 'requested', (notifier) => notifier.requested(gate));
  await scheduleEscalations(deps, gate);
  // A newer push's run on an open pull request supersedes the older push's waiting run at once.
  await safely(deps, 'supersede older pull request runs', () => supersedeOlderRuns(deps, gate));
  return { gate, outcome: 'created' };
}

/**
 * Closes a new gate as approved by signoff, nobody asked: one conditional write with the
 * `auto_approved` audit event (the expression, the plan hash, the values it saw) and the card
 * update in its outbox, then the drain, which also supersedes older runs and tells the engine.
 */
async function autoApprove(deps: ApprovalDeps, gate: Gate, values: AutoApproveValues): Promise<Gate> {
  const auto = gate.auto_approved;
  if (!auto) throw new Error(`gate ${gate.gate_id} has no auto-approval`);
  const close = {
    status: 'approved',
    closed_at: gate.requested_at,
    closed_by: SIGNOFF_ACTOR,
    engine_notified: false,
  } as const;
  const owed = {
    id: 'auto_approved',
    audit: {
      ...gateAuditBase(gate),
      action: 'auto_approved' as const,
      actor: SIGNOFF_ACTOR,
      at: gate.requested_at,
      reason: auto.reason,
      details: {
        expression: auto.expression,
        plan_hash: gate.data.plan?.hash ?? null,
        values,
        approved_by_person: false,
      },
    },
    notify: 'decided' as const,
  };
  if (await deps.gates.close(gate.gate_id, close, [owed])) {
    logOf(deps).info('gate auto-approved', { gate_id: gate.gate_id });
    await safely(deps, 'drain auto-approval', () => drainGate(deps, gate.gate_id));
  }
  return (await deps.gates.get(gate.gate_id)) ?? gate;
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

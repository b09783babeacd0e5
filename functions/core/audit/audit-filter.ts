/**
 * The audit trail's filters (action, actor, workflow, run, time range) read from query
 * parameters, for the audit page and the API alike. Every problem is reported, none is guessed.
 */
import type { AuditAction, AuditFilter } from '../ports.ts';

/** Every audit action with the words the audit page's filter shows for it. */
export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  run_started: 'Run started',
  bypass_started: 'Emergency bypass started',
  start_refused: 'Start refused',
  requested: 'Approval requested',
  approved: 'Approved',
  auto_approved: 'Auto-approved (no person approved)',
  rejected: 'Rejected',
  refused: 'Vote refused',
  timed_out: 'Timed out',
  escalated: 'Escalated',
  notified: 'Notified',
  notification_failed: 'Notification failed',
  plan_failed: 'Plan failed',
  policy_failed: 'Policy failed',
  plan_drift_blocked: 'Blocked by drift',
  applied: 'Applied',
  apply_failed: 'Apply failed',
  gate_cancelled: 'Gate cancelled',
  run_finished: 'Run finished',
  lock_acquired: 'Lock taken',
  lock_released: 'Lock released',
  lock_force_released: 'Lock force-released',
  lock_held: 'Lock held for an admin',
  gate_skipped: 'Gate skipped (no changes)',
  apply_frozen: 'Apply held by a freeze',
  freeze_overridden: 'Freeze overridden (emergency bypass)',
  freeze_started: 'Freeze started',
  freeze_ended: 'Freeze ended',
  drift_checked: 'Drift checked',
  signed_in: 'Signed in',
  signin_refused: 'Sign-in refused',
  identity_revoked: 'Identity revoked',
};

/** Whether a string is an audit action. */
export function isAuditAction(value: string): value is AuditAction {
  return Object.hasOwn(AUDIT_ACTION_LABELS, value);
}

/** The raw query parameters the filters come from. */
export interface AuditFilterQuery {
  action?: string | undefined;
  actor?: string | undefined;
  workflow?: string | undefined;
  run?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?$/;

/**
 * A time bound as an ISO instant (UTC): a date (`2026-12-04`) is that day's start, or with
 * `endOfDay` the next day's start, so `to=2026-12-04` takes in the whole day.
 */
function parseBound(value: string, endOfDay: boolean): string | undefined {
  if (!DATE.test(value) && !DATE_TIME.test(value)) return undefined;
  const iso = DATE.test(value) ? `${value}T00:00:00Z` : value.endsWith('Z') ? value : `${value}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value.slice(0, 10)) return undefined;
  return new Date(DATE.test(value) && endOfDay ? ms + 86_400_000 : ms).toISOString();
}

/**
 * The filter the query asks for, or every problem with it. `workflows` are the known workflow
 * names (undefined: any name, for a trail that outlives its workflows); an actor is an email or a system actor (`system:timeout`), compared case-insensitively.
 */
export function parseAuditFilter(
  query: AuditFilterQuery,
  workflows: readonly string[] | undefined,
): { filter: AuditFilter; problems: [] } | { problems: string[] } {
  const problems: string[] = [];
  const filter: AuditFilter = {};
  const value = (v: string | undefined) => v?.trim() || undefined;
  const action = value(query.action);
  if (action) {
    if (isAuditAction(action)) filter.action = action;
    else
      problems.push(
        `action "${action.slice(0, 40)}" is not an audit action (for example approved, rejected, timed_out).`,
      );
  }
  const actor = value(query.actor);
  if (actor) {
    if (actor.length <= 254 && /^[^\s<>]+$/.test(actor)) filter.actor = actor.toLowerCase();
    else problems.push('actor must be an email address such as jane@acme.com.');
  }
  const workflow = value(query.workflow);
  if (workflow) {
    if (workflows ? workflows.includes(workflow) : workflow.length <= 200) filter.workflow = workflow;
    else problems.push(`There is no workflow named "${workflow.slice(0, 80)}".`);
  }
  const run = value(query.run);
  if (run) {
    if (/^[A-Za-z0-9_.:-]{1,80}$/.test(run)) filter.run = run;
    else problems.push('run must be a run id (letters, digits, "_", ".", ":" or "-", at most 80).');
  }
  for (const [name, endOfDay] of [
    ['from', false],
    ['to', true],
  ] as const) {
    const raw = value(query[name]);
    if (!raw) continue;
    const bound = parseBound(raw, endOfDay);
    if (bound) filter[name] = bound;
    else
      problems.push(
        `${name} must be a date (2026-12-04) or a UTC time (2026-12-04T15:30), not "${raw.slice(0, 40)}".`,
      );
  }
  if (filter.from && filter.to && filter.from >= filter.to) problems.push('from must be before to.');
  return problems.length > 0 ? { problems } : { filter, problems: [] };
}

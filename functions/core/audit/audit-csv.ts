/**
 * The audit rows as CSV (RFC 4180: a header, CRLF lines, fields quoted when they need it), for the
 * API and the audit page alike; `seq` and `hash` let an export be checked against the hash chain.
 */
import type { AuditEvent } from '../ports.ts';

/** The exported columns, in order. */
export const AUDIT_COLUMNS = [
  'at',
  'action',
  'actor_email',
  'actor_name',
  'workflow',
  'run_id',
  'step_id',
  'gate_id',
  'channel',
  'decision',
  'comment',
  'reason',
  'response_time_ms',
  'plan',
  'bypass',
  'seq',
  'hash',
] as const;

/** One event as the export's flat row. */
export function auditRow(event: AuditEvent): Record<(typeof AUDIT_COLUMNS)[number], string> {
  const plan = event.plan_summary;
  const decision = event.details?.decision;
  return {
    at: event.at,
    action: event.action,
    actor_email: event.actor.email,
    actor_name: event.actor.name,
    workflow: event.workflow,
    run_id: event.run_id,
    step_id: event.step_id ?? '',
    gate_id: event.gate_id ?? '',
    channel: event.channel ?? '',
    decision: typeof decision === 'string' ? decision : '',
    comment: event.comment ?? '',
    reason: event.reason ?? '',
    response_time_ms: event.response_time_ms === undefined ? '' : String(event.response_time_ms),
    plan: plan
      ? `${plan.project}: +${plan.add} ~${plan.change} -${plan.destroy}${plan.replace ? ` ±${plan.replace}` : ''}`
      : '',
    bypass: event.action === 'bypass_started' ? 'yes' : '',
    seq: String(event.seq),
    hash: event.hash,
  };
}

/** Quotes a CSV field when it holds a comma, quote or line break; neutralises spreadsheet formulas. */
export function csvField(value: string): string {
  // A leading = + - @ would run as a formula when the file is opened in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The events as a CSV document with a header line. */
export function renderAuditCsv(events: AuditEvent[]): string {
  const lines = [AUDIT_COLUMNS.join(',')];
  for (const event of events) {
    const row = auditRow(event);
    lines.push(AUDIT_COLUMNS.map((c) => csvField(row[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

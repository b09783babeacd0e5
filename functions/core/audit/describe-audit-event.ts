/** One audit event as a sentence for people: what happened, with its comment or reason, never JSON. */
import type { AuditEvent } from '../ports.ts';
import { causeMessage, describeRunOutcome, listNames, readableTime } from '../runs/run-outcome.ts';

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** The first letter in upper case and a full stop at the end. */
function sentence(value: string): string {
  const trimmed = value.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?'"]$/.test(capital) ? capital : `${capital}.`;
}

/** A reason as written, or the message inside a cause that holds JSON. */
function readable(reason: string | undefined): string | undefined {
  if (!reason) return undefined;
  const colon = reason.indexOf(': {');
  return colon >= 0
    ? `${reason.slice(0, colon)}: ${causeMessage(reason.slice(colon + 2)) ?? ''}`.replace(/: $/, '')
    : reason;
}

/** What the event says, as one or two sentences. */
export function describeAuditEvent(event: AuditEvent): string {
  const d = event.details ?? {};
  const comment = event.comment ? `: '${event.comment}'` : '.';
  const reason = readable(event.reason);
  const why = reason ? `: ${reason}` : '';
  switch (event.action) {
    case 'run_started':
      return sentence(`Started the run${event.reason ? ` (reason: '${event.reason}')` : ''}`);
    case 'bypass_started':
      return sentence(
        `Started an emergency bypass without an approval gate${event.reason ? ` (reason: '${event.reason}')` : ''}`,
      );
    case 'start_refused':
      return sentence(`Refused to start the run${why}`);
    case 'requested': {
      const approvers = list(d.approvers);
      const required = typeof d.required === 'number' ? d.required : 1;
      return sentence(
        `Asked for ${required} approval${required === 1 ? '' : 's'}${approvers.length > 0 ? ` from ${listNames(approvers)}` : ''}${text(d.deadline) ? ` by ${readableTime(text(d.deadline))}` : ''}`,
      );
    }
    case 'approved':
      return `Approved${typeof d.approvals === 'number' && typeof d.required === 'number' ? ` (${d.approvals} of ${d.required})` : ''}${comment}`;
    case 'auto_approved':
      return sentence(
        `Auto-approved by signoff; no person approved${why}${text(d.expression) ? ` (rule: ${text(d.expression)})` : ''}`,
      );
    case 'rejected':
      return `Rejected${comment}`;
    case 'refused':
      return sentence(`Vote refused${why}`);
    case 'timed_out':
      return sentence(`Nobody decided before the deadline${why}`);
    case 'escalated': {
      const added = list(d.added).length > 0 ? list(d.added) : list(d.approvers);
      return sentence(`Escalated${added.length > 0 ? ` to ${listNames(added)}` : ''}`);
    }
    case 'notified': {
      const target = text(d.target) ?? 'the notification target';
      if (d.delivered === false)
        return sentence(
          `The notification to ${target} failed${text(d.error) ? `: ${d.error}` : typeof d.status === 'number' ? ` (answered ${d.status})` : ''}`,
        );
      return sentence(`Notified ${target}${typeof d.status === 'number' ? ` (answered ${d.status})` : ''}`);
    }
    case 'run_finished': {
      const outcome = describeRunOutcome({
        run: {
          id: event.run_id,
          workflow: event.workflow,
          environment: '',
          production: false,
          trigger: { type: 'manual' },
          started_by: null,
          started_at: event.at,
          execution_arn: '',
          status: (text(d.status) ?? 'FAILED') as 'FAILED',
          stopped_at: event.at,
          ...(text(d.error) ? { error: text(d.error) } : {}),
          ...(event.reason && text(d.error) && event.reason.startsWith(`${d.error}: `)
            ? { cause: event.reason.slice(`${d.error}: `.length) }
            : {}),
          ...(d.bypass ? { bypass: true } : {}),
          ...(d.no_changes ? { no_changes: true } : {}),
        },
        gates: [],
      });
      return `${outcome.outcome}: ${outcome.outcome_detail}`;
    }
    default:
      return reason ? sentence(reason) : event.comment ? `'${event.comment}'` : '';
  }
}

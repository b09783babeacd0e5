/**
 * The approvals report from the audit trail: how long gates wait for a decision, and how many
 * time out, per month and workflow (the guide's advice: review timeouts monthly).
 */
import type { AuditEvent, AuditQuery } from '../core/ports.ts';

/** One month of one workflow. */
export interface ReportRow {
  month: string;
  workflow: string;
  requested: number;
  decided: number;
  timedOut: number;
  /** Median time from request to decision (ms), when anything was decided. */
  medianMs?: number;
}

/** The whole report. */
export interface ApprovalReport {
  since: string;
  months: string[];
  workflows: string[];
  rows: ReportRow[];
  buckets: { label: string; count: number }[];
  requested: number;
  decided: number;
  timedOut: number;
  /** True when the audit trail had more events than the report reads. */
  truncated: boolean;
}

/** Response-time buckets: upper bounds in ms, open-ended last. */
export const BUCKETS: { label: string; max: number }[] = [
  { label: '< 5 min', max: 5 * 60_000 },
  { label: '5–15 min', max: 15 * 60_000 },
  { label: '15–60 min', max: 60 * 60_000 },
  { label: '1–4 h', max: 4 * 3600_000 },
  { label: '4–24 h', max: 24 * 3600_000 },
  { label: '> 24 h', max: Number.POSITIVE_INFINITY },
];

const MAX_PAGES = 40;
const PAGE = 500;

/** Reads the audit trail back to `months` months before `now` and builds the report. */
export async function loadApprovalReport(
  audit: AuditQuery,
  filter: { workflow?: string },
  now: number,
  months = 6,
): Promise<ApprovalReport> {
  const start = new Date(now);
  const since = new Date(
    Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - (months - 1), 1),
  ).toISOString();
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  let truncated = false;
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) {
      truncated = true;
      break;
    }
    const result = await audit.list(filter, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    const recent = result.events.filter((e) => e.at >= since);
    events.push(...recent);
    cursor = result.cursor;
    if (!cursor || recent.length < result.events.length) break;
  }
  return buildApprovalReport(events, since, now, truncated);
}

/** Whether an audit event is the vote that closed its gate. */
function isDeciding(event: AuditEvent): boolean {
  if (event.action === 'rejected') return true;
  return event.action === 'approved' && event.details?.gate_status === 'approved';
}

/** Folds audit events into the report (pure). */
export function buildApprovalReport(
  events: AuditEvent[],
  since: string,
  now: number,
  truncated = false,
): ApprovalReport {
  const months = monthsBetween(since, new Date(now).toISOString());
  const rows = new Map<string, ReportRow & { times: number[] }>();
  const row = (month: string, workflow: string) => {
    const key = `${month}\n${workflow}`;
    let r = rows.get(key);
    if (!r) {
      r = { month, workflow, requested: 0, decided: 0, timedOut: 0, times: [] };
      rows.set(key, r);
    }
    return r;
  };
  const buckets = BUCKETS.map((b) => ({ label: b.label, count: 0 }));
  for (const event of events) {
    const month = event.at.slice(0, 7);
    if (event.action === 'requested') row(month, event.workflow).requested++;
    else if (event.action === 'timed_out') row(month, event.workflow).timedOut++;
    else if (isDeciding(event) && event.response_time_ms !== undefined) {
      const r = row(month, event.workflow);
      r.decided++;
      r.times.push(event.response_time_ms);
      const index = BUCKETS.findIndex((b) => (event.response_time_ms as number) < b.max);
      (buckets[index] as { count: number }).count++;
    }
  }
  const list = [...rows.values()]
    .sort((a, b) => a.month.localeCompare(b.month) || a.workflow.localeCompare(b.workflow))
    .map(({ times, ...r }) => ({ ...r, ...(times.length > 0 ? { medianMs: median(times) } : {}) }));
  const sum = (f: (r: ReportRow) => number) => list.reduce((n, r) => n + f(r), 0);
  return {
    since,
    months,
    workflows: [...new Set(list.map((r) => r.workflow))].sort(),
    rows: list,
    buckets,
    requested: sum((r) => r.requested),
    decided: sum((r) => r.decided),
    timedOut: sum((r) => r.timedOut),
    truncated,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `YYYY-MM` for every month from `since` to `until`, inclusive. */
export function monthsBetween(since: string, until: string): string[] {
  const months: string[] = [];
  let year = Number(since.slice(0, 4));
  let month = Number(since.slice(5, 7));
  const end = until.slice(0, 7);
  for (let i = 0; i < 120; i++) {
    const key = `${year}-${String(month).padStart(2, '0')}`;
    if (key > end) break;
    months.push(key);
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return months;
}

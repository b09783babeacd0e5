/** The signed-in pages: runs, one run (with its vote form), the audit log and the approvals report. */
import { createError } from '@middy/util';
import { renderAuditPage } from '../../web/audit-page.ts';
import type { LayoutUser } from '../../web/layout.ts';
import { renderReportPage } from '../../web/report-page.ts';
import { renderRunPage } from '../../web/run-page.ts';
import { renderRunsPage } from '../../web/runs-page.ts';
import { renderWorkflowsPage } from '../../web/workflows-page.ts';
import { isApproverAnywhere } from '../core/approval/awaiting-vote.ts';
import { castVote } from '../core/approval/cast-vote.ts';
import { renderAuditCsv } from '../core/audit/audit-csv.ts';
import { parseAuditFilter } from '../core/audit/audit-filter.ts';
import { assertCsrf, type Session } from '../core/auth/sessions.ts';
import { listFreezes } from '../core/freeze/adhoc-freezes.ts';
import { readFreezeNotice } from '../core/freeze/freeze-notice.ts';
import type { WebDeps } from '../wiring/http.ts';
import { loadApprovalReport } from './approval-report.ts';
import { loadDriftStatus } from './drift-check-views.ts';
import { assertSameOrigin, requireSession } from './guards.ts';
import { param, readForm, type WebRequest } from './request.ts';
import { download, htmlResponse, type WebResponse } from './responses.ts';
import { listRunItems, loadRunDetail, type RunsTab } from './run-views.ts';
import { startFormFor } from './start-routes.ts';
import { voteFlash } from './vote-flash.ts';
import { readWebVote } from './vote-request.ts';

const AUDIT_PAGE = 50;

function layoutUser(session: Session): LayoutUser {
  return { name: session.user.name, email: session.user.email, csrf: session.csrf };
}

function workflowNames(deps: WebDeps): string[] {
  return deps.workflows
    .all()
    .map((w) => w.name)
    .sort();
}

/** A workflow filter value, checked against the catalog. */
function workflowFilter(deps: WebDeps, value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!deps.workflows.get(value)) throw createError(400, `There is no workflow named "${value}".`);
  return value;
}

/**
 * The runs tab a request asks for (`tab`, or the older `status=waiting`); without one, "Needs my
 * vote" for people who approve anywhere and "All runs" for the rest.
 */
function runsTab(deps: WebDeps, request: WebRequest, session: Session): RunsTab {
  const asked = request.query.tab ?? (request.query.status === 'waiting' ? 'waiting' : undefined);
  if (asked === 'mine' || asked === 'waiting' || asked === 'all') return asked;
  if (asked !== undefined) throw createError(400, 'tab must be mine, waiting or all.');
  return isApproverAnywhere(session.directory, deps.workflows.all(), session.user.email) ? 'mine' : 'all';
}

/** `GET /runs`. */
export async function showRuns(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const session = await requireSession(deps, request);
  const tab = runsTab(deps, request, session);
  const workflow = workflowFilter(deps, request.query.workflow);
  const list = await listRunItems(deps, {
    tab,
    email: session.user.email,
    ...(workflow ? { workflow } : {}),
    ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
  });
  const page = renderRunsPage({
    user: layoutUser(session),
    runs: list.runs,
    tab,
    ...(workflow ? { workflow } : {}),
    workflows: workflowNames(deps),
    ...(list.cursor ? { nextCursor: list.cursor } : {}),
    start: startFormFor(deps, session),
    drift: await loadDriftStatus(deps),
    freezes: await listFreezes(deps),
  });
  return htmlResponse(200, page, deps.config.local);
}

/** `GET /workflows`: the loaded workflows, and the files the last reload refused. */
export async function showWorkflows(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const session = await requireSession(deps, request);
  const page = renderWorkflowsPage({
    user: layoutUser(session),
    workflows: deps.workflows.all(),
    problems: deps.workflows.problems(),
  });
  return htmlResponse(200, page, deps.config.local);
}

/** `GET /runs/{runId}`. */
export async function showRun(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const session = await requireSession(deps, request);
  return runPage(deps, session, param(request, 'runId'), 200);
}

/** `POST /runs/{runId}`: a signed-in approver's vote (channel `web`), CSRF-checked. */
export async function voteOnRun(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const form = readForm(request);
  assertSameOrigin(request, deps.config.publicUrl);
  const session = await requireSession(deps, request);
  assertCsrf(session, form.csrf);
  const runId = param(request, 'runId');
  const vote = readWebVote(form);
  const gate = form.gate ? await deps.gates.get(form.gate) : undefined;
  if (!gate || gate.run.id !== runId) throw createError(400, 'That approval gate is not part of this run.');
  const outcome = await castVote(deps, {
    gateId: gate.gate_id,
    voter: session.user.email,
    channel: 'web',
    ...(session.signin ? { signin: session.signin } : {}),
    ...vote,
  });
  const { flash, status } = voteFlash(outcome);
  return runPage(deps, session, runId, status, flash);
}

async function runPage(
  deps: WebDeps,
  session: Session,
  runId: string,
  status: number,
  flash?: ReturnType<typeof voteFlash>['flash'],
): Promise<WebResponse> {
  const detail = await loadRunDetail(deps, runId, session);
  if (!detail) throw createError(404, `There is no run "${runId}".`);
  const now = deps.now();
  const pending = detail.gates.find((g) => g.gate.status === 'pending')?.gate;
  const freeze = pending
    ? await readFreezeNotice(
        deps,
        { name: detail.run.workflow, environment: detail.run.environment },
        now,
        Date.parse(pending.deadline),
      )
    : undefined;
  const page = renderRunPage({
    user: layoutUser(session),
    detail,
    now,
    publicUrl: deps.config.publicUrl,
    ...(freeze ? { freeze } : {}),
    ...(flash ? { flash } : {}),
  });
  // The run page loads its log script (web/run-logs.js).
  return htmlResponse(status, page, deps.config.local, undefined, { scripts: true });
}

/** `GET /audit` (and `?format=csv|json` for the rows the page shows). */
export async function showAudit(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const session = await requireSession(deps, request);
  const parsed = parseAuditFilter(request.query, workflowNames(deps));
  if (parsed.problems.length > 0 || !('filter' in parsed)) throw createError(400, parsed.problems.join(' '));
  const { filter } = parsed;
  const cursor = request.query.cursor || undefined;
  const page = await deps.auditQuery.list(filter, { limit: AUDIT_PAGE, ...(cursor ? { cursor } : {}) });
  const format = request.query.format;
  if (format === 'csv')
    return download(
      renderAuditCsv(page.events),
      'text/csv; charset=utf-8',
      'signoff-audit.csv',
      deps.config.local,
    );
  if (format === 'json') {
    const body = JSON.stringify(
      { events: page.events, ...(page.cursor ? { cursor: page.cursor } : {}) },
      null,
      2,
    );
    return download(body, 'application/json; charset=utf-8', 'signoff-audit.json', deps.config.local);
  }
  if (format !== undefined) throw createError(400, 'format must be csv or json.');
  const body = renderAuditPage({
    user: layoutUser(session),
    events: page.events,
    filter: {
      ...filter,
      // The time bounds as typed, so the form shows what was asked for.
      ...(filter.from ? { from: request.query.from?.trim() } : {}),
      ...(filter.to ? { to: request.query.to?.trim() } : {}),
    },
    ...(cursor ? { cursor } : {}),
    ...(page.cursor ? { nextCursor: page.cursor } : {}),
    workflows: workflowNames(deps),
  });
  return htmlResponse(200, body, deps.config.local);
}

/** `GET /reports/approvals`. */
export async function showReport(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const session = await requireSession(deps, request);
  const workflow = workflowFilter(deps, request.query.workflow);
  const report = await loadApprovalReport(deps.auditQuery, workflow ? { workflow } : {}, deps.now());
  const body = renderReportPage({
    user: layoutUser(session),
    report,
    ...(workflow ? { workflow } : {}),
    workflows: workflowNames(deps),
  });
  return htmlResponse(200, body, deps.config.local);
}

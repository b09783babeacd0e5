/**
 * `POST /runs`: the Start run form. The same request validation and the same use case as the
 * API's `POST /api/runs` (so the same role checks, and refusals audited the same way); the web
 * asks for a reason on every run. A run that started goes to its page; anything else shows the
 * form again with what was wrong, and starts nothing.
 */
import type { Workflow } from '../../statemachines/schema.ts';
import type { StartableWorkflow, StartFormView } from '../../web/start-run-form.ts';
import { renderStartRunPage } from '../../web/start-run-page.ts';
import { assertCsrf, type Session } from '../core/auth/sessions.ts';
import { parseManualStart, startManualRun } from '../core/runs/start-manual-run.ts';
import { isBypass } from '../core/runs/start-run.ts';
import type { WebDeps } from '../wiring/http.ts';
import { assertSameOrigin, requireSession } from './guards.ts';
import { readForm, type WebRequest } from './request.ts';
import { htmlResponse, redirect, type WebResponse } from './responses.ts';

function startable(w: Workflow): StartableWorkflow {
  return { name: w.name, description: w.description, environment: w.environment };
}

/**
 * The workflows the signed-in person may start by hand, as the API decides it (their role from
 * the directory is in the workflow's manual roles); emergency workflows for admins only.
 */
export function startFormFor(
  deps: WebDeps,
  session: Session,
  sent?: Pick<StartFormView, 'values' | 'error'>,
): StartFormView {
  const role = session.user.role;
  const mine = deps.workflows
    .all()
    .filter((w) => role !== undefined && w.triggers.manual?.roles.includes(role))
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    csrf: session.csrf,
    workflows: mine.filter((w) => !isBypass(w)).map(startable),
    emergency: role === 'admin' ? mine.filter(isBypass).map(startable) : [],
    ...sent,
  };
}

/** `POST /runs`: starts a run as the signed-in person, CSRF-checked. */
export async function startRunFromWeb(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const form = readForm(request);
  assertSameOrigin(request, deps.config.publicUrl);
  const session = await requireSession(deps, request);
  assertCsrf(session, form.csrf);
  const values = {
    workflow: form.workflow ?? '',
    reason: form.reason ?? '',
    ref: form.ref?.trim() ?? '',
    emergency: form.emergency === '1',
  };
  const again = (status: number, error: string) =>
    htmlResponse(
      status,
      renderStartRunPage({
        user: { name: session.user.name, email: session.user.email, csrf: session.csrf },
        form: startFormFor(deps, session, { values, error }),
      }),
      deps.config.local,
    );

  const parsed = parseManualStart({
    workflow: values.workflow,
    ...(values.reason.trim() ? { reason: values.reason } : {}),
    ...(values.ref ? { ref: values.ref } : {}),
  });
  if (!parsed.ok) return again(400, `${parsed.message}.`);
  const workflow = deps.workflows.get(parsed.value.workflow);
  // Who may start what is the use case's to say (and to audit): a reason is asked for only of
  // someone the workflow would accept, so a forged emergency start is refused as forbidden.
  if (workflow && !parsed.value.reason && mayStart(deps, session, workflow)) {
    return again(
      400,
      isBypass(workflow)
        ? 'Give a justification: an emergency deploy skips approval and is reviewed after the incident.'
        : 'Give a reason: approvers see it, and the audit log keeps it.',
    );
  }
  const outcome = await startManualRun(deps, session.user.email, parsed.value);
  if (outcome.kind === 'refused')
    return again(outcome.status === 404 ? 400 : outcome.status, outcome.message);
  return redirect(`/runs/${encodeURIComponent(outcome.run.id)}`, deps.config.local);
}

function mayStart(deps: WebDeps, session: Session, workflow: Workflow): boolean {
  const form = startFormFor(deps, session);
  return [...form.workflows, ...form.emergency].some((w) => w.name === workflow.name);
}

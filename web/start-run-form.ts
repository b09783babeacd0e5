/**
 * The Start run form of the runs page: a workflow, a reason (required) and an optional branch or
 * tag. Emergency workflows (production, no approval gate) get a form of their own that asks for a
 * justification; it is rendered for admins only, and the server refuses anyone else.
 */
import { html, type SafeHtml } from './html.ts';

/** A workflow the form offers. */
export interface StartableWorkflow {
  name: string;
  description: string;
  environment: string;
}

/** What the form shows: the workflows the signed-in person may start, and what they sent last. */
export interface StartFormView {
  csrf: string;
  workflows: StartableWorkflow[];
  /** Emergency workflows; empty unless the signed-in person is an admin. */
  emergency: StartableWorkflow[];
  /** The values sent when the form is shown again with a problem. */
  values?: { workflow?: string; reason?: string; ref?: string; emergency?: boolean };
  /** Why the last submission started nothing. */
  error?: string;
}

function options(workflows: StartableWorkflow[], selected: string | undefined): SafeHtml {
  return html`${workflows.map(
    (w) =>
      html`<option value="${w.name}"${w.name === selected ? html` selected` : ''}>${w.name} (${w.environment})</option>`,
  )}`;
}

function renderError(error: string): SafeHtml {
  return html`<div class="flash flash-error" role="alert"><strong>No run was started.</strong> ${error}</div>`;
}

/** The form(s); nothing when the person may start no workflow by hand. */
export function renderStartForm(view: StartFormView): SafeHtml | string {
  if (view.workflows.length === 0 && view.emergency.length === 0 && !view.error) return '';
  const values = view.values ?? {};
  // The problem shows in the form it came from; a form the person cannot see (a forged
  // emergency start) has it shown in the other one, or above both.
  const errorIn = !view.error
    ? undefined
    : values.emergency && view.emergency.length > 0
      ? 'emergency'
      : view.workflows.length > 0
        ? 'regular'
        : 'top';
  const errorFor = (place: typeof errorIn) =>
    view.error && errorIn === place ? renderError(view.error) : '';
  const normal = !values.emergency ? values : {};
  const urgent = values.emergency ? values : {};
  const regular =
    view.workflows.length === 0
      ? ''
      : html`<form class="start-form" method="post" action="/runs">
  <input type="hidden" name="csrf" value="${view.csrf}">
  ${errorFor('regular')}
  <label for="start-workflow">Workflow</label>
  <select id="start-workflow" name="workflow" required>${options(view.workflows, normal.workflow)}</select>
  <label for="start-reason">Reason <span class="muted">(required; approvers see it, the audit log keeps it)</span></label>
  <textarea id="start-reason" name="reason" rows="2" maxlength="1000" required>${normal.reason ?? ''}</textarea>
  <label for="start-ref">Branch or tag <span class="muted">(optional; the default branch when empty)</span></label>
  <input type="text" id="start-ref" name="ref" maxlength="200" value="${normal.ref ?? ''}" autocomplete="off">
  <div class="buttons"><button type="submit" class="button primary">Start run</button></div>
</form>`;
  const emergency =
    view.emergency.length === 0
      ? ''
      : html`<form class="start-form start-emergency" method="post" action="/runs" aria-labelledby="emergency-title">
  <input type="hidden" name="csrf" value="${view.csrf}">
  <input type="hidden" name="emergency" value="1">
  <h3 id="emergency-title">Emergency deploy</h3>
  <p>Deploys to production <strong>without approval</strong>. Admins only; every start is flagged for post-incident review.</p>
  ${errorFor('emergency')}
  <label for="emergency-workflow">Emergency workflow</label>
  <select id="emergency-workflow" name="workflow" required>${options(view.emergency, urgent.workflow)}</select>
  <label for="emergency-reason">Justification <span class="muted">(required: the incident, and why it cannot wait for approval)</span></label>
  <textarea id="emergency-reason" name="reason" rows="3" maxlength="1000" required>${urgent.reason ?? ''}</textarea>
  <label for="emergency-ref">Branch or tag <span class="muted">(optional)</span></label>
  <input type="text" id="emergency-ref" name="ref" maxlength="200" value="${urgent.ref ?? ''}" autocomplete="off">
  <div class="buttons"><button type="submit" class="button reject">Start emergency deploy</button></div>
</form>`;
  return html`<details class="card start-run"${view.error ? html` open` : ''}>
  <summary><h2>Start run</h2></summary>
  ${errorFor('top')}
  ${regular}
  ${emergency}
</details>`;
}

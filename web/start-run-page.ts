/** The Start run form on a page of its own: where a submission that started nothing comes back to. */
import { html } from './html.ts';
import { type LayoutUser, renderLayout } from './layout.ts';
import { renderStartForm, type StartFormView } from './start-run-form.ts';

/** What the page shows. */
export interface StartRunPageView {
  user: LayoutUser;
  form: StartFormView;
}

/** The start page: the form, open, with what was wrong. */
export function renderStartRunPage(view: StartRunPageView): string {
  const main = html`<div class="page-head">
  <p class="eyebrow"><a href="/runs">Runs</a> / Start run</p>
  <h1>Start a run</h1>
</div>
${renderStartForm(view.form)}`;
  return renderLayout({ title: 'Start a run', main, user: view.user, nav: 'runs' });
}

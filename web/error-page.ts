/** A clear page for anything refused or missing: status, title, what happened, what to do. */
import { html } from './html.ts';
import { type LayoutUser, renderLayout } from './layout.ts';

/** What went wrong, in words for people. */
export interface ErrorPageView {
  status: number;
  title: string;
  message: string;
  /** Optional next step, e.g. a link back. */
  action?: { href: string; label: string };
  user?: LayoutUser;
}

/** The error page. */
export function renderErrorPage(view: ErrorPageView): string {
  const main = html`<section class="card narrow notice" aria-labelledby="error-title">
  <p class="eyebrow">Error ${view.status}</p>
  <h1 id="error-title">${view.title}</h1>
  <p>${view.message}</p>
  ${view.action ? html`<p><a class="button secondary" href="${view.action.href}">${view.action.label}</a></p>` : ''}
</section>`;
  return renderLayout({ title: view.title, main, ...(view.user ? { user: view.user } : {}) });
}

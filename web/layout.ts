/** The page frame every page shares: head, header with navigation, main landmark, footer. */
import { html, type SafeHtml } from './html.ts';

/** The signed-in person as the header shows them. */
export interface LayoutUser {
  name: string;
  email: string;
  csrf: string;
}

/** What the frame needs around a page's content. */
export interface LayoutView {
  title: string;
  main: SafeHtml;
  user?: LayoutUser;
  /** The section to mark as current in the navigation. */
  nav?: 'runs' | 'workflows' | 'audit' | 'reports';
}

const NAV = [
  { id: 'runs', href: '/runs', label: 'Runs' },
  { id: 'workflows', href: '/workflows', label: 'Workflows' },
  { id: 'audit', href: '/audit', label: 'Audit log' },
  { id: 'reports', href: '/reports/approvals', label: 'Approval report' },
] as const;

/** A whole HTML document around `main`. */
export function renderLayout(view: LayoutView): string {
  const user = view.user;
  const nav = user
    ? html`<nav aria-label="Main"><ul class="nav">${NAV.map(
        (item) =>
          html`<li><a href="${item.href}"${view.nav === item.id ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
      )}</ul></nav>
      <form class="signout" method="post" action="/signout">
        <span class="who" title="${user.email}">${user.name}</span>
        <input type="hidden" name="csrf" value="${user.csrf}">
        <button type="submit" class="link-button">Sign out</button>
      </form>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${view.title} · signoff</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <div class="top-inner">
    <a class="brand" href="/runs"><span class="brand-mark" aria-hidden="true">✓</span> signoff</a>
    ${nav}
  </div>
</header>
<main id="main" class="page">
${view.main}
</main>
<footer class="foot"><p>signoff · approval gates for infrastructure deployments</p></footer>
</body>
</html>
`.value;
}

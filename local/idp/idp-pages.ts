/** The local identity provider's own pages: help, choose who signs in, and plain messages. */
import { html, SafeHtml } from '../../web/html.ts';

/** A person as the pages show them. */
export interface PageAccount {
  email: string;
  name: string;
  groups: string[];
}

/** What the login page needs. */
export interface LoginView {
  /** The pending interaction the form posts back to. */
  uid: string;
  clientId: string;
  accounts: PageAccount[];
  /** oidc-provider's reasons for the login prompt (`no_session`, `login_prompt`, `max_age`, ...). */
  reasons: string[];
  error?: string;
}

/** What the help page needs. */
export interface HelpView {
  issuer: string;
  clientId: string;
  redirectUris: string[];
  accounts: PageAccount[];
}

const TITLE = 'Local identity provider';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:1.5rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.5rem}.note{color:#444}
.error{border:1px solid #b3261e;background:#fdecea;color:#7a1c16;padding:.5rem .75rem;border-radius:4px}
ul.accounts{list-style:none;padding:0}ul.accounts li{margin:.6rem 0}
button{font:inherit;padding:.4rem 1rem;border:1px solid #555;border-radius:4px;background:#fff;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
.details{display:block;color:#444;font-size:.9rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd}
code{font-size:.9rem}`;

/** The page that lists every account as a button, with the second-factor checkbox. */
export function renderLoginPage(view: LoginView): string {
  const again = view.reasons.includes('login_prompt') || view.reasons.includes('max_age');
  const main = html`<h1>${TITLE}</h1>
<p><code>${view.clientId}</code> asks who you are. This provider is for local development: choose a person, no password is needed.</p>
${again ? html`<p class="note">The application asked you to sign in again.</p>` : ''}
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="/interaction/${view.uid}">
  <p><label><input type="checkbox" name="mfa" value="yes"> Signed in with a second factor (MFA)</label></p>
  <h2 id="choose">Sign in as</h2>
  <ul class="accounts" aria-labelledby="choose">
  ${view.accounts.map(renderAccountChoice)}
  </ul>
</form>`;
  return renderPage(TITLE, main);
}

/** The provider's home page: what it is, the registered client and the accounts. */
export function renderHelpPage(view: HelpView): string {
  const main = html`<h1>${TITLE}</h1>
<p>This is signoff's local development identity provider: an OpenID provider for the local runtime that
signs in the people below without a password. It holds nothing real and must never face the internet.</p>
<h2>Registered client</h2>
<dl>
  <dt>Client ID</dt><dd><code>${view.clientId}</code></dd>
  <dt>Redirect URIs</dt>${view.redirectUris.map((uri) => html`<dd><code>${uri}</code></dd>`)}
  <dt>Issuer</dt><dd><code>${view.issuer}</code></dd>
  <dt>Discovery</dt><dd><a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a></dd>
</dl>
<h2>Accounts</h2>
<table>
  <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Groups</th></tr></thead>
  <tbody>
  ${view.accounts.map(
    (account) =>
      html`<tr><td>${account.name}</td><td>${account.email}</td><td>${account.groups.join(', ')}</td></tr>`,
  )}
  </tbody>
</table>`;
  return renderPage(TITLE, main);
}

/** A page with one heading and one message (an error, an expired request, a sign-out). */
export function renderMessagePage(heading: string, message: string, extra?: SafeHtml): string {
  return renderPage(`${heading} · ${TITLE}`, html`<h1>${heading}</h1><p>${message}</p>${extra ?? ''}`);
}

// The button's description names the email and groups, so a screen reader tells two Alexes apart.
function renderAccountChoice(account: PageAccount, i: number): SafeHtml {
  const button = html`<button type="submit" name="account" value="${account.email}" aria-describedby="account-${i}">${account.name}</button>`;
  return html`<li>${button}
    <span class="details" id="account-${i}">${account.email} · ${describeGroups(account.groups)}</span></li>`;
}

function describeGroups(groups: string[]): string {
  return groups.length === 0 ? 'no groups' : `groups: ${groups.join(', ')}`;
}

function renderPage(title: string, main: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`.value;
}

/**
 * The HTTP surface, in one place: API Gateway's routes in the CDK stack and the local
 * gateway are both built from this table. `fn` names the Lambda handler folder.
 */
export interface Route {
  method: 'GET' | 'POST' | 'ANY';
  path: string;
  fn: HttpFunction;
  /** Who may call it: verified by signature in the handler, or by a signed-in user / API token. */
  auth: 'signature' | 'user' | 'capability' | 'public';
}

/** The Lambda handlers that serve HTTP. */
export type HttpFunction = 'github-webhook' | 'webhook' | 'slack-interactions' | 'web' | 'api' | 'signin';

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/webhooks/github', fn: 'github-webhook', auth: 'signature' },
  { method: 'POST', path: '/webhooks/{workflow}', fn: 'webhook', auth: 'signature' },
  { method: 'POST', path: '/slack/interactions', fn: 'slack-interactions', auth: 'signature' },
  { method: 'GET', path: '/approvals/{gateId}', fn: 'web', auth: 'capability' },
  { method: 'POST', path: '/approvals/{gateId}', fn: 'web', auth: 'capability' },
  { method: 'GET', path: '/', fn: 'web', auth: 'user' },
  { method: 'GET', path: '/runs', fn: 'web', auth: 'user' },
  { method: 'POST', path: '/runs', fn: 'web', auth: 'user' },
  { method: 'GET', path: '/runs/{runId}', fn: 'web', auth: 'user' },
  { method: 'POST', path: '/runs/{runId}', fn: 'web', auth: 'user' },
  { method: 'GET', path: '/workflows', fn: 'web', auth: 'user' },
  { method: 'GET', path: '/projects/{project}', fn: 'web', auth: 'user' },
  { method: 'GET', path: '/runs/{runId}/steps/{stepId}/log', fn: 'web', auth: 'user' },
  { method: 'GET', path: '/audit', fn: 'web', auth: 'user' },
  { method: 'GET', path: '/reports/approvals', fn: 'web', auth: 'user' },
  { method: 'GET', path: '/signin', fn: 'web', auth: 'public' },
  { method: 'POST', path: '/signin', fn: 'web', auth: 'public' },
  { method: 'GET', path: '/signin/oidc', fn: 'signin', auth: 'public' },
  { method: 'GET', path: '/signin/oidc/callback', fn: 'signin', auth: 'public' },
  { method: 'GET', path: '/signin/{token}', fn: 'web', auth: 'public' },
  { method: 'POST', path: '/signout', fn: 'web', auth: 'user' },
  { method: 'GET', path: '/static/{file}', fn: 'web', auth: 'public' },
  { method: 'GET', path: '/api/health', fn: 'api', auth: 'public' },
  { method: 'GET', path: '/api/workflows', fn: 'api', auth: 'user' },
  { method: 'GET', path: '/api/runs', fn: 'api', auth: 'user' },
  { method: 'POST', path: '/api/runs', fn: 'api', auth: 'user' },
  { method: 'GET', path: '/api/runs/{runId}', fn: 'api', auth: 'user' },
  { method: 'POST', path: '/api/gates/{gateId}/votes', fn: 'api', auth: 'user' },
  { method: 'GET', path: '/api/locks', fn: 'api', auth: 'user' },
  { method: 'POST', path: '/api/locks/{project}/release', fn: 'api', auth: 'user' },
  { method: 'GET', path: '/api/freezes', fn: 'api', auth: 'user' },
  { method: 'POST', path: '/api/freezes', fn: 'api', auth: 'user' },
  { method: 'POST', path: '/api/freezes/{freezeId}/end', fn: 'api', auth: 'user' },
  { method: 'GET', path: '/api/directory/identities', fn: 'api', auth: 'user' },
  { method: 'POST', path: '/api/directory/identities/{email}/revoke', fn: 'api', auth: 'user' },
  { method: 'GET', path: '/api/audit', fn: 'api', auth: 'user' },
  { method: 'GET', path: '/api/audit/verify', fn: 'api', auth: 'user' },
];

/** Matches a method and path against the routes; returns the route and its path parameters. */
export function matchRoute(
  method: string,
  path: string,
  routes: readonly Route[] = ROUTES,
): { route: Route; params: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.method !== 'ANY' && route.method !== method) continue;
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      const part = parts[i] as string;
      if (p.startsWith('{') && p.endsWith('}')) {
        try {
          params[p.slice(1, -1)] = decodeURIComponent(part);
        } catch {
          return false;
        }
        return true;
      }
      return p === part;
    });
    if (ok) return { route, params };
  }
  return undefined;
}

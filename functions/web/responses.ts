/** Page responses with the security headers every page carries. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A handler result. */
export type WebResponse = APIGatewayProxyStructuredResultV2;

/** No scripts at all; styles from our own CSS file only; forms post only to us; never framed. */
const CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * The run page's policy: the same, plus our own script files (no inline script) and fetches to
 * us only, for its live build logs. Pages reached by a capability link keep the policy without scripts.
 */
const SCRIPTED_CSP = [CSP, "script-src 'self'", "connect-src 'self'"].join('; ');

/** Which policy a page gets: `scripts` for pages that load our own script files. */
export interface PageOptions {
  scripts?: boolean;
}

/** Headers on every response: approval URLs carry a capability, so no referrer and no caching. */
export function securityHeaders(local: boolean, options: PageOptions = {}): Record<string, string> {
  return {
    'content-security-policy': options.scripts ? SCRIPTED_CSP : CSP,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
    'cache-control': 'no-store',
    ...(local ? {} : { 'strict-transport-security': 'max-age=31536000; includeSubDomains' }),
  };
}

/** An HTML page. */
export function htmlResponse(
  status: number,
  body: string,
  local: boolean,
  cookies?: string[],
  options: PageOptions = {},
): WebResponse {
  return {
    statusCode: status,
    headers: { ...securityHeaders(local, options), 'content-type': 'text/html; charset=utf-8' },
    body,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
  };
}

/** A 303 redirect (after a POST, or to the sign-in page). */
export function redirect(location: string, local: boolean, cookies?: string[]): WebResponse {
  return {
    statusCode: 303,
    headers: { ...securityHeaders(local), location },
    body: '',
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
  };
}

/** A file download (CSV, JSON export). */
export function download(body: string, contentType: string, filename: string, local: boolean): WebResponse {
  return {
    statusCode: 200,
    headers: {
      ...securityHeaders(local),
      'content-type': contentType,
      'content-disposition': `attachment; filename="${filename}"`,
    },
    body,
  };
}

/**
 * Turns a failed send (SES, Slack, anything else) into a short reason people may read on a gate,
 * in the audit trail and on the sign-in page: the service's own error words, never a token,
 * a signed link or a request body.
 */

/** Reasons longer than this are cut (they end up on the gate item and in every audit export). */
const MAX_REASON = 300;

// Things that must never leave the process, whatever an error message happens to quote.
const SECRETS: [RegExp, string][] = [
  [/xox[a-z]-[A-Za-z0-9-]+/g, 'xox…'], // Slack tokens
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, '<signed>'], // JWS/JWT: capabilities in approval links
  [/([?&](?:t|token|code|key|signature)=)[^\s&#"']+/gi, '$1…'], // link query strings
  [/(\/signin\/)[A-Za-z0-9_-]{16,}/g, '$1…'], // sign-in links carry their secret in the path
  [/\b(Bearer|Basic)\s+\S+/gi, '$1 …'],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '<access key>'],
  [/\bso_[A-Za-z0-9_-]{16,}/g, 'so_…'], // signoff API tokens
];

/** A reason for a failed delivery: Slack's error code, the AWS error's name and message, or the error's. */
export function describeDeliveryError(error: unknown): string {
  return redact(rawReason(error));
}

/** Removes anything secret-looking from a text and cuts it to a readable length. */
export function redact(text: string): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out.length > MAX_REASON ? `${out.slice(0, MAX_REASON - 1)}…` : out;
}

function rawReason(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'string' ? error : 'unknown error';
  const e = error as Error & {
    code?: unknown;
    data?: { error?: unknown };
    retryAfter?: unknown;
    statusCode?: unknown;
  };
  // A Slack call's failure (slack-client.ts): a platform error carries Slack's own code
  // (`channel_not_found`, `not_in_channel`).
  if (typeof e.data?.error === 'string') return e.data.error;
  if (e.code === 'slack_webapi_rate_limited_error')
    return `rate limited by Slack${typeof e.retryAfter === 'number' ? ` (retry after ${e.retryAfter} s)` : ''}`;
  if (e.code === 'slack_webapi_http_error' && typeof e.statusCode === 'number')
    return `Slack answered HTTP ${e.statusCode}`;
  // AWS SDK v3 service errors: the name is the error code (`MessageRejected`), the message SES's words.
  return e.message ? `${e.name}: ${e.message}` : e.name;
}

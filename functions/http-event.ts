/** Reading an API Gateway HTTP API (payload v2) event the same way in every HTTP handler. */

/** The parts of an event these helpers read. */
export interface HttpEventParts {
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined>;
}

/** The body's bytes as the client sent them (API Gateway base64-encodes form posts and binary bodies). */
export function rawBody(event: HttpEventParts): Buffer {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

/** The headers with lower-case names, without unset ones. */
export function lowerCaseHeaders(event: HttpEventParts): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return headers;
}

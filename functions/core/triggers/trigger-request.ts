/** The HTTP request and response shapes the trigger use cases work with, independent of Lambda. */
import { type HttpEventParts, lowerCaseHeaders, rawBody } from '../../http-event.ts';

/** A request as a trigger sees it: the raw body bytes (what signatures cover) and its headers. */
export interface TriggerRequest {
  body: Buffer;
  /** A header's value by case-insensitive name. */
  header(name: string): string | undefined;
}

/** What a trigger answers: a status and a JSON body (errors carry `message`). */
export interface TriggerResponse {
  status: number;
  body: Record<string, unknown>;
}

/** The parts of an API Gateway (payload v2) event a trigger reads. */
export type HttpEventLike = HttpEventParts;

/** Builds a TriggerRequest from an API Gateway event, decoding a base64 body to its raw bytes. */
export function toTriggerRequest(event: HttpEventLike): TriggerRequest {
  const body = rawBody(event);
  const headers = new Map(Object.entries(lowerCaseHeaders(event)));
  return { body, header: (name) => headers.get(name.toLowerCase()) };
}

/**
 * A 415 unless the body is declared JSON (`application/json`, parameters such as charset
 * allowed). Webhooks sign the raw body, and a body that is parsed one way when signed and
 * another way when read (forms, text) is an attack surface the triggers do not need.
 */
export function refuseUnlessJson(request: TriggerRequest): TriggerResponse | undefined {
  const type = request.header('content-type') ?? '';
  const media = type.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return undefined;
  return refuse(
    415,
    `the body must be JSON with Content-Type: application/json (got ${type ? `"${type.slice(0, 100)}"` : 'none'})`,
  );
}

/** An error response with a message saying what was wrong. */
export function refuse(status: number, message: string): TriggerResponse {
  return { status, body: { message } };
}

/** The API Gateway result for a trigger's response: JSON, never cached. */
export function toHttpResult(response: TriggerResponse): {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
} {
  return {
    statusCode: response.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(response.body),
  };
}

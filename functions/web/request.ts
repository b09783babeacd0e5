/** The parts of an API Gateway payload v2 event the pages read: path, query, form body, cookies, headers. */

import { createError } from '@middy/util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lowerCaseHeaders, rawBody } from '../http-event.ts';

/** A request as the page handlers see it. */
export interface WebRequest {
  routeKey: string;
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  cookies: string[];
  /** The raw body, decoded from base64 when API Gateway encoded it. */
  body: string;
}

/** Largest form accepted (a comment is at most 2,000 characters). */
const MAX_FORM_BYTES = 32 * 1024;

/** Reads the event into a WebRequest (header names lower case). */
export function parseRequest(event: APIGatewayProxyEventV2): WebRequest {
  const headers = lowerCaseHeaders(event);
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    if (value !== undefined) params[name] = value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(event.rawQueryString ?? '')) {
    if (query[name] === undefined) query[name] = value;
  }
  const body = rawBody(event).toString('utf8');
  const cookies = event.cookies ?? (headers.cookie ? headers.cookie.split(';').map((c) => c.trim()) : []);
  return {
    routeKey: event.routeKey,
    method: event.requestContext?.http?.method ?? event.routeKey.split(' ')[0] ?? 'GET',
    path: event.rawPath,
    params,
    query,
    headers,
    cookies,
    body,
  };
}

/** The urlencoded form of a POST; a 400 for another content type or an oversized body. */
export function readForm(request: WebRequest): Record<string, string> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw createError(415, 'This address takes a form post (application/x-www-form-urlencoded).');
  }
  if (Buffer.byteLength(request.body) > MAX_FORM_BYTES) throw createError(413, 'The form is too large.');
  const form: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(request.body)) {
    if (form[name] === undefined) form[name] = value;
  }
  return form;
}

/** A path parameter, or a 400 naming it. */
export function param(request: WebRequest, name: string): string {
  const value = request.params[name];
  if (!value) throw createError(400, `The address is missing its ${name}.`);
  return value;
}

/** The value of a cookie by name. */
export function cookieValue(request: WebRequest, name: string): string | undefined {
  for (const cookie of request.cookies) {
    const eq = cookie.indexOf('=');
    if (eq > 0 && cookie.slice(0, eq).trim() === name) return cookie.slice(eq + 1).trim();
  }
  return undefined;
}

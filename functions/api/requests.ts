/** Parsing and shaping for the JSON API: every problem becomes a 400 with a message. */
import { createError } from '@middy/util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import '../core/zod-messages.ts';
import type { VoteChannel } from '../core/ports.ts';
import { manualStartSchema } from '../core/runs/start-manual-run.ts';
import { rawBody } from '../http-event.ts';

const MAX_BODY = 64 * 1024;

function bodyOf(event: APIGatewayProxyEventV2): unknown {
  const raw = rawBody(event).toString('utf8');
  if (raw.length > MAX_BODY) throw createError(413, `the body is over ${MAX_BODY} bytes`, { expose: true });
  if (raw.trim() === '') throw createError(400, 'the body must be a JSON object', { expose: true });
  try {
    return JSON.parse(raw);
  } catch {
    throw createError(400, 'the body is not valid JSON', { expose: true });
  }
}

function parseWith<T>(schema: z.ZodMiniType<T>, event: APIGatewayProxyEventV2): T {
  const parsed = schema.safeParse(bodyOf(event));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  throw createError(400, problems.join('; '), { expose: true });
}

const voteBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.optional(z.string().check(z.maxLength(2000))),
});

const releaseBody = z.strictObject({ reason: z.optional(z.string().check(z.maxLength(2000))) });

/** `POST /api/locks/{project}/release`: `{ "reason" }` (the use case says when it is missing). */
export const parseReleaseBody = (event: APIGatewayProxyEventV2) => parseWith(releaseBody, event);

const freezeBody = z.strictObject({
  reason: z.optional(z.string().check(z.maxLength(2000))),
  environments: z.optional(z.array(z.string().check(z.maxLength(200)))),
  workflows: z.optional(z.array(z.string().check(z.maxLength(200)))),
  apply: z.optional(z.string()),
  duration: z.optional(z.string().check(z.maxLength(20))),
});

/** `POST /api/freezes`: `{ "reason", "environments"?, "workflows"?, "apply"?, "duration"? }` (the use case checks the values). */
export const parseFreezeBody = (event: APIGatewayProxyEventV2) => parseWith(freezeBody, event);

/** `POST /api/runs`: `{ "workflow", "reason"?, "ref"?, "sha"? }`. */
export const parseStartBody = (event: APIGatewayProxyEventV2) => parseWith(manualStartSchema, event);

/** `POST /api/gates/{gateId}/votes`: `{ "decision": "approve" | "reject", "comment"? }`. */
export const parseVoteBody = (event: APIGatewayProxyEventV2) => parseWith(voteBody, event);

/** The vote channel: the CLI says so with `X-Signoff-Client: cli`; anything else is the API. */
export function voteChannel(event: APIGatewayProxyEventV2): VoteChannel {
  return event.headers['x-signoff-client'] === 'cli' ? 'cli' : 'api';
}

/** Typed access to the query string, with 400s for bad values. */
export function queryOf(event: APIGatewayProxyEventV2) {
  const params = event.queryStringParameters ?? {};
  return {
    string(name: string): string | undefined {
      const value = params[name];
      if (value === undefined || value === '') return undefined;
      if (value.length > 2000) throw createError(400, `${name} is too long`, { expose: true });
      return value;
    },
    int(name: string, min: number, max: number): number | undefined {
      const value = params[name];
      if (value === undefined || value === '') return undefined;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        throw createError(400, `${name} must be a whole number from ${min} to ${max}`, { expose: true });
      }
      return n;
    },
  };
}

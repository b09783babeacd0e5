/**
 * `GET /runs/{runId}/steps/{stepId}/log?cursor=...`: one page of a build step's log as JSON, for
 * the run page's script to poll. Signed-in users only, like the run pages; every line masked.
 */
import { AuthError } from '../core/auth/auth-error.ts';
import { InvalidLogCursorError } from '../core/logs/log-errors.ts';
import { readStepLog } from '../core/logs/read-step-log.ts';
import type { WebDeps } from '../wiring/http.ts';
import { requireSession, SigninRequired } from './guards.ts';
import { param, type WebRequest } from './request.ts';
import { securityHeaders, type WebResponse } from './responses.ts';

function json(status: number, body: unknown, local: boolean): WebResponse {
  return {
    statusCode: status,
    headers: { ...securityHeaders(local), 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

/** `GET /runs/{runId}/steps/{stepId}/log`. */
export async function showStepLog(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const local = deps.config.local;
  try {
    await requireSession(deps, request);
  } catch (error) {
    // A script asks, not a person: say so instead of redirecting to the sign-in page.
    if (error instanceof SigninRequired || error instanceof AuthError) {
      return json(401, { message: 'Sign in to read build logs.' }, local);
    }
    throw error;
  }
  const runId = param(request, 'runId');
  const stepId = param(request, 'stepId');
  try {
    const page = await readStepLog(deps, runId, stepId, request.query.cursor);
    if (!page) return json(404, { message: `Run "${runId}" has no build step "${stepId}".` }, local);
    return json(200, page, local);
  } catch (error) {
    if (error instanceof InvalidLogCursorError) {
      return json(400, { message: `Bad log cursor: ${error.message}.` }, local);
    }
    throw error;
  }
}

/**
 * The web Lambda: every route with `fn: 'web'` (approval page, sign-in, runs, audit, report,
 * the stylesheet). Routing by `event.routeKey`; each route parses, calls a use case and renders.
 * Refusals become clear pages with a 4xx status; anything else is logged and a plain 500 page.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { renderErrorPage } from '../../web/error-page.ts';
import { InvalidCursorError } from '../adapters/audit-cursor.ts';
import { AuthError } from '../core/auth/auth-error.ts';
import { createWebDeps, type WebDeps } from '../wiring/http.ts';
import { depsFor } from '../wiring/scope.ts';
import { decideApproval, showApproval } from './approval-routes.ts';
import { SigninRequired } from './guards.ts';
import { showStepLog } from './log-routes.ts';
import { showAudit, showReport, showRun, showRuns, showWorkflows, voteOnRun } from './page-routes.ts';
import { showProject } from './project-routes.ts';
import { parseRequest, type WebRequest } from './request.ts';
import { htmlResponse, redirect, type WebResponse } from './responses.ts';
import { postSignin, postSignout, showSignin, showSigninLink } from './signin-routes.ts';
import { startRunFromWeb } from './start-routes.ts';
import { serveStatic } from './static-file.ts';

type Route = (deps: WebDeps, request: WebRequest) => Promise<WebResponse>;

/** The web routes by API Gateway route key (the same keys as `functions/routes.ts`). */
export const WEB_ROUTES: Record<string, Route> = {
  'GET /': async (deps) => redirect('/runs', deps.config.local),
  'GET /approvals/{gateId}': showApproval,
  'POST /approvals/{gateId}': decideApproval,
  'GET /runs': showRuns,
  'POST /runs': startRunFromWeb,
  'GET /runs/{runId}': showRun,
  'POST /runs/{runId}': voteOnRun,
  'GET /workflows': showWorkflows,
  'GET /projects/{project}': showProject,
  'GET /runs/{runId}/steps/{stepId}/log': showStepLog,
  'GET /audit': showAudit,
  'GET /reports/approvals': showReport,
  'GET /signin': showSignin,
  'POST /signin': postSignin,
  'GET /signin/{token}': showSigninLink,
  'POST /signout': postSignout,
  'GET /static/{file}': serveStatic,
};

/** Handles one web request with the given deps (the Lambda handler passes `getDeps()`). */
export async function handleWebRequest(deps: WebDeps, event: APIGatewayProxyEventV2): Promise<WebResponse> {
  const local = deps.config.local;
  try {
    const route = WEB_ROUTES[event.routeKey];
    if (!route) return errorPage(local, 404, 'Not found', 'There is no page at this address.');
    return await route(deps, parseRequest(event));
  } catch (error) {
    return errorResponse(deps, error);
  }
}

function errorResponse(deps: WebDeps, error: unknown): WebResponse {
  const local = deps.config.local;
  if (error instanceof SigninRequired) {
    return redirect(`/signin?next=${encodeURIComponent(error.next)}`, local);
  }
  if (error instanceof AuthError && error.code !== 'misconfigured') {
    const signin = error.code === 'no_session' || error.code === 'used' || error.code === 'csrf';
    return errorPage(
      local,
      error.status,
      titleFor(error),
      error.message,
      signin ? { href: '/signin', label: 'Sign in' } : undefined,
    );
  }
  if (error instanceof InvalidCursorError) return errorPage(local, 400, 'Bad page link', `${error.message}.`);
  const http = error as { statusCode?: number; expose?: boolean; message?: string };
  if (typeof http.statusCode === 'number' && http.statusCode < 500 && http.expose !== false) {
    return errorPage(
      local,
      http.statusCode,
      http.statusCode === 404 ? 'Not found' : 'Request not accepted',
      http.message ?? '',
    );
  }
  deps.log?.error('web request failed', { error: error instanceof Error ? error.name : typeof error });
  return errorPage(
    local,
    500,
    'Something went wrong',
    'signoff could not complete this request. Nothing was changed by this page; try again in a moment.',
  );
}

function titleFor(error: AuthError): string {
  switch (error.code) {
    case 'expired':
      return 'This link has expired';
    case 'used':
      return 'This link was already used';
    case 'no_session':
      return 'Please sign in';
    case 'csrf':
    case 'cross_site':
      return 'Form not accepted';
    case 'unknown_user':
      return 'Not a signoff user';
    default:
      return 'This link is not valid';
  }
}

function errorPage(
  local: boolean,
  status: number,
  title: string,
  message: string,
  action?: { href: string; label: string },
): WebResponse {
  return htmlResponse(
    status,
    renderErrorPage({ status, title, message, ...(action ? { action } : {}) }),
    local,
  );
}

const getDeps = depsFor(createWebDeps);

/** The Lambda entry point. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().handler((event) =>
  handleWebRequest(getDeps(), event),
);

/**
 * Lambda for `POST /slack/interactions`: Slack button clicks. The signature is checked on the raw
 * body before anything is parsed; the vote is cast and the messages updated (or the clicker told
 * why not) before the answer, because a Lambda does no work after it returns. castVote is a few
 * single-item writes and the updates get a bounded budget, so the ack stays well inside Slack's 3 s.
 */
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { CompositeNotifier } from '../adapters/composite-notifier.ts';
import { logOf } from '../core/approval/approval-deps.ts';
import {
  handleSlackInteraction,
  type SlackInteractionDeps,
  type SlackRequest,
} from '../core/slack/handle-slack-interaction.ts';
import { lowerCaseHeaders, rawBody } from '../http-event.ts';
import { depsFor } from '../wiring/scope.ts';
import { createSlackFunctionDeps, type SlackFunctionDeps } from './deps.ts';

/** How long the ack waits for the work drained after a vote's commit (the rest goes on behind it or in the sweep). */
const SLACK_DRAIN_BUDGET_MS = 800;

/** The raw body and lower-case headers of an HTTP API event (API Gateway base64-encodes form posts). */
export function toSlackRequest(event: APIGatewayProxyEventV2): SlackRequest {
  return { headers: lowerCaseHeaders(event), rawBody: rawBody(event).toString('utf8') };
}

const built = new WeakMap<SlackFunctionDeps, SlackInteractionDeps>();

/** The interaction deps over the function's deps (or the local runtime's AppDeps), built once per deps. */
export function slackInteractionDeps(app: SlackFunctionDeps): SlackInteractionDeps {
  let deps = built.get(app);
  if (!deps) {
    deps = {
      gates: app.gates,
      votes: app.votes,
      audit: app.audit,
      engine: app.engine,
      // The handler refreshes the Slack messages itself, within Slack's 3 s; the other channels
      // (email, metrics, logs) are told through the deps' notifier as usual.
      notifier: app.notifier instanceof CompositeNotifier ? app.notifier.without('slack') : app.notifier,
      directory: app.directory,
      now: app.now,
      log: app.log,
      drainBudgetMs: SLACK_DRAIN_BUDGET_MS,
      secrets: app.secrets,
      slack: app.slackApi,
    };
    built.set(app, deps);
  }
  return deps;
}

/** Builds the handler over deps looked up per call (the local runtime and tests swap them in). */
export function createSlackInteractionsHandler(deps: () => SlackInteractionDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(
      httpErrorHandler({
        logger: (error: Error) => logOf(deps()).error('slack interaction failed', { error: error.name }),
        fallbackMessage: JSON.stringify({ message: 'internal error' }),
      }),
    )
    .handler(async (event) => {
      const answer = await handleSlackInteraction(deps(), toSlackRequest(event));
      if (answer.status === 200) return { statusCode: 200, body: '' };
      return {
        statusCode: answer.status,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: answer.message ?? 'request refused' }),
      };
    });
}

/** The Lambda entry point. */
const getDeps = depsFor(createSlackFunctionDeps);

/** The Lambda entry point. */
export const handler = createSlackInteractionsHandler(() => slackInteractionDeps(getDeps()));

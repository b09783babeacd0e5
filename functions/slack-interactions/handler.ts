/**
 * Lambda for `POST /slack/interactions`: Slack button clicks. Before the answer it does only what
 * the answer depends on: check the signature on the raw body, find who clicked, commit or refuse
 * the vote (a refusal is told to the clicker, within a bounded budget). Everything the vote owes
 * after its commit (the messages' update, the audit event, the engine call) waits in the gate's
 * outbox for the drainer, which the gates table's stream invokes.
 */
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { logOf } from '../core/approval/approval-deps.ts';
import {
  handleSlackInteraction,
  type SlackInteractionDeps,
  type SlackRequest,
} from '../core/slack/handle-slack-interaction.ts';
import { lowerCaseHeaders, rawBody } from '../http-event.ts';
import { depsFor } from '../wiring/scope.ts';
import { createSlackFunctionDeps, type SlackFunctionDeps } from './deps.ts';

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
      directory: app.directory,
      // Without it a person whose role or team comes from IdP groups could never vote from Slack.
      ...(app.identities ? { identities: app.identities } : {}),
      now: app.now,
      log: app.log,
      // The ack waits for the vote's commit only: a Lambda does nothing after it answers, so the
      // message update, the audit event and the engine call are the drainer's (the gates stream).
      voteEffects: 'outbox',
      secrets: app.secrets,
      slack: app.slackApi,
      publicUrl: app.config.publicUrl,
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

/**
 * Lambda for `POST /webhooks/github`: GitHub deliveries, signature-checked before they are read;
 * a pull request merged into a workflow's branch starts that workflow once per delivery.
 */

import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { logOf } from '../core/approval/approval-deps.ts';
import { receiveGithubDelivery } from '../core/triggers/receive-github-delivery.ts';
import type { TriggerDeps } from '../core/triggers/trigger-deps.ts';
import { toHttpResult, toTriggerRequest } from '../core/triggers/trigger-request.ts';
import { depsFor } from '../wiring/scope.ts';
import { createTriggerDeps } from '../wiring/triggers.ts';

/** Builds the handler over deps looked up per call (the local runtime swaps them in). */
export function createGithubWebhookHandler(deps: () => TriggerDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(
      httpErrorHandler({
        logger: (error: Error) =>
          logOf(deps()).error('github webhook failed', { error: error.name, message: error.message }),
        fallbackMessage: JSON.stringify({ message: 'internal error' }),
      }),
    )
    .handler(async (event) => toHttpResult(await receiveGithubDelivery(deps(), toTriggerRequest(event))));
}

/** The Lambda entry point. */
export const handler = createGithubWebhookHandler(depsFor(createTriggerDeps));

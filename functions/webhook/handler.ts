/**
 * Lambda for `POST /webhooks/{workflow}`: a signed JSON body starts that workflow with the body
 * as the run's input; an Idempotency-Key makes a retried call return the same run.
 */

import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { logOf } from '../core/approval/approval-deps.ts';
import { receiveWebhook } from '../core/triggers/receive-webhook.ts';
import type { TriggerDeps } from '../core/triggers/trigger-deps.ts';
import { toHttpResult, toTriggerRequest } from '../core/triggers/trigger-request.ts';
import { depsFor } from '../wiring/scope.ts';
import { createTriggerDeps } from '../wiring/triggers.ts';

/** Builds the handler over deps looked up per call (the local runtime swaps them in). */
export function createWebhookHandler(deps: () => TriggerDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(
      httpErrorHandler({
        logger: (error: Error) =>
          logOf(deps()).error('webhook failed', { error: error.name, message: error.message }),
        fallbackMessage: JSON.stringify({ message: 'internal error' }),
      }),
    )
    .handler(async (event) =>
      toHttpResult(await receiveWebhook(deps(), event.pathParameters?.workflow, toTriggerRequest(event))),
    );
}

/** The Lambda entry point. */
export const handler = createWebhookHandler(depsFor(createTriggerDeps));

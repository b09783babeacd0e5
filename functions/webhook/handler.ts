/**
 * Lambda for `POST /webhooks/{workflow}`: a signed JSON body starts that workflow with the body
 * as the run's input; an Idempotency-Key makes a retried call return the same run. Also the
 * target of the workflows' EventBridge Scheduler schedules: `{ kind: 'scheduled_start' }` starts
 * the run of that slot, once.
 */

import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { logOf } from '../core/approval/approval-deps.ts';
import { receiveWebhook } from '../core/triggers/receive-webhook.ts';
import { type ScheduledStart, startScheduledRun } from '../core/triggers/start-scheduled-run.ts';
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

/**
 * A schedule's slot: started once (a retried delivery finds its run). A refusal (the workflow lost
 * its schedule in a deploy) is logged, not thrown, so Scheduler does not retry what cannot start.
 */
export async function handleScheduledStart(deps: TriggerDeps, start: ScheduledStart) {
  const outcome = await startScheduledRun(deps, start);
  const log = logOf(deps);
  if (outcome.kind === 'refused') log.warn('scheduled run not started', { ...start, why: outcome.message });
  else log.info('scheduled run', { ...start, run_id: outcome.run.id, outcome: outcome.kind });
  return outcome.kind === 'refused' ? { started: false } : { started: true, run_id: outcome.run.id };
}

const getDeps = depsFor(createTriggerDeps);
const http = createWebhookHandler(getDeps);

/** The Lambda entry point: an HTTP API call, or a schedule's slot. */
export const handler = (event: APIGatewayProxyEventV2 | ScheduledStart, context: Context) =>
  (event as ScheduledStart).kind === 'scheduled_start'
    ? handleScheduledStart(getDeps(), event as ScheduledStart)
    : http(event as APIGatewayProxyEventV2, context);

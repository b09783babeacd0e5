/**
 * The generic webhook trigger (`POST /webhooks/{workflow}`): checks the size, the JSON content
 * type, that the workflow has a webhook trigger, the `X-Signoff-Signature` (`t=...,v1=...`, or
 * the deprecated `sha256=...`) with that workflow's secret, the Idempotency-Key and the JSON body,
 * then starts the run with the body as its input, once per Idempotency-Key or, without one, once
 * per timestamped signature. Nothing starts on any 4xx.
 */
import { logOf } from '../approval/approval-deps.ts';
import { startRun } from '../runs/start-run.ts';
import { checkSignature } from './check-signature.ts';
import { runUrl, type TriggerDeps } from './trigger-deps.ts';
import { refuse, refuseUnlessJson, type TriggerRequest, type TriggerResponse } from './trigger-request.ts';
import {
  MAX_WEBHOOK_BODY_BYTES,
  parseIdempotencyKey,
  parseWebhookBody,
  webhookSecretName,
} from './webhook-request.ts';

/** Handles one call to `POST /webhooks/{workflow}`. */
export async function receiveWebhook(
  deps: TriggerDeps,
  workflowName: string | undefined,
  request: TriggerRequest,
): Promise<TriggerResponse> {
  if (request.body.length > MAX_WEBHOOK_BODY_BYTES) {
    return refuse(413, `the body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes`);
  }
  const notJson = refuseUnlessJson(request);
  if (notJson) return notJson;
  const workflow = workflowName ? deps.workflows.get(workflowName) : undefined;
  // Unknown workflows and workflows without a webhook trigger answer alike, so an unsigned caller
  // cannot tell which workflow names exist.
  if (!workflow?.triggers.webhook) {
    return refuse(404, `no workflow named "${workflowName ?? ''}" accepts webhooks`);
  }
  const signed = await checkSignature(deps, request, {
    secretName: webhookSecretName(workflow),
    header: 'X-Signoff-Signature',
    missingSecretWarning: 'webhook secret is not set; refusing the call',
    context: { workflow: workflow.name },
    timestamped: true,
  });
  if (signed.refused) return signed.refused;

  const key = parseIdempotencyKey(request.header('idempotency-key'));
  if (!key.ok) return refuse(400, key.message);
  const body = parseWebhookBody(request.body);
  if (!body.ok) return refuse(400, body.message);

  const outcome = await startRun(deps, {
    workflow: workflow.name,
    trigger: { type: 'webhook', ...(key.key ? { idempotency_key: key.key } : {}) },
    actor: { email: `webhook:${workflow.name}`, name: 'webhook' },
    input: body.input,
    source: body.source,
    ...(body.reason ? { reason: body.reason } : {}),
    // A replay of a timestamped call inside its window carries the same signature: one run.
    ...(key.key
      ? { dedupKey: key.key }
      : signed.timestamped
        ? { dedupKey: `signature:${signed.timestamped.v1}` }
        : {}),
  });
  if (outcome.kind === 'refused') return refuse(outcome.status, outcome.message);
  const run = { workflow: workflow.name, run_id: outcome.run.id, run_url: runUrl(deps, outcome.run.id) };
  logOf(deps).info('webhook handled', {
    workflow: workflow.name,
    run_id: outcome.run.id,
    outcome: outcome.kind,
  });
  return outcome.kind === 'started'
    ? { status: 202, body: { status: 'started', ...run } }
    : { status: 200, body: { status: 'duplicate', ...run } };
}

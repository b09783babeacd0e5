/** The generic webhook's request: its secret's name, the Idempotency-Key and the JSON body. */
import type { Workflow } from '../../../statemachines/schema.ts';
import { type SourceRequest, sourceRequestProblem } from '../runs/source.ts';

/** The largest body the generic webhook accepts (the run input travels in the execution input). */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

const MAX_REASON = 1000;

/** The Secrets name holding a workflow's webhook secret. */
export function webhookSecretName(workflow: Workflow): string {
  return workflow.triggers.webhook?.secret ?? `webhook-${workflow.name}`;
}

/** An Idempotency-Key header: absent, or 1 to 200 printable ASCII characters. */
export function parseIdempotencyKey(
  value: string | undefined,
): { ok: true; key?: string } | { ok: false; message: string } {
  if (value === undefined) return { ok: true };
  const key = value.trim();
  if (!/^[\x20-\x7e]{1,200}$/.test(key)) {
    return { ok: false, message: 'Idempotency-Key must be 1 to 200 printable ASCII characters' };
  }
  return { ok: true, key };
}

/**
 * The run input, optional reason and source from a webhook body: a JSON object; `reason`, and
 * `sha` (the commit to build) or `ref` (a branch or tag, resolved when the run starts), strings
 * if given.
 */
export function parseWebhookBody(
  body: Buffer,
):
  | { ok: true; input: Record<string, unknown>; reason?: string; source: SourceRequest }
  | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, message: 'the body is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'the body must be a JSON object' };
  }
  const input = value as Record<string, unknown>;
  const source: SourceRequest = {};
  for (const field of ['sha', 'ref'] as const) {
    const given = input[field];
    if (given === undefined) continue;
    if (typeof given !== 'string') return { ok: false, message: `${field} must be a string` };
    source[field === 'sha' ? 'commit' : 'ref'] = given;
  }
  const problem = sourceRequestProblem(source);
  if (problem) return { ok: false, message: problem };
  const reason = input.reason;
  if (reason === undefined) return { ok: true, input, source };
  if (typeof reason !== 'string') return { ok: false, message: 'reason must be a string' };
  if (reason.length > MAX_REASON) {
    return { ok: false, message: `reason is longer than ${MAX_REASON} characters` };
  }
  return { ok: true, input, source, ...(reason.trim() ? { reason } : {}) };
}

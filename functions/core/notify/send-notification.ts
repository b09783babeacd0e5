/**
 * The http step: resolves the target (a URL, or a secret holding one), renders the body, sends it
 * with a timeout and audits `notified`. Anything but a 2xx answer throws NotifyFailedError; the
 * state machine catches it, so a failed notification never changes the run's outcome.
 */
import type { NotifyInput } from '../../../statemachines/contract.ts';
import { logOf } from '../approval/approval-deps.ts';
import type { AuditLog, Clock, LogPort, Secrets } from '../ports.ts';
import { NotifyFailedError } from './notify-failed-error.ts';
import { renderNotifyBody } from './render-notify-body.ts';
import { type NotifyTarget, resolveTarget } from './resolve-target.ts';

/** The actor of `notified` audit events. */
export const NOTIFY_ACTOR = { email: 'system:notify', name: 'signoff notify' } as const;

/** How long a notification may take before it counts as failed. */
export const NOTIFY_TIMEOUT_MS = 10_000;

const SNIPPET_CHARS = 200;

/** What sendNotification needs. */
export interface NotifyDeps {
  secrets: Secrets;
  audit: AuditLog;
  now: Clock;
  log?: LogPort;
  config: { publicUrl: string };
  /** Overrides NOTIFY_TIMEOUT_MS (tests). */
  notifyTimeoutMs?: number;
}

/** Sends one http step's notification; returns the answer's status code. */
export async function sendNotification(deps: NotifyDeps, input: NotifyInput): Promise<{ status: number }> {
  const target = await resolveTarget(deps.secrets, input.http);
  const runUrl = `${deps.config.publicUrl}/runs/${encodeURIComponent(input.run.id)}`;
  const headers = new Headers({ 'user-agent': 'signoff' });
  for (const [name, value] of Object.entries(input.http.headers)) headers.set(name, value);
  const method = input.http.method.toUpperCase();
  const rendered = renderNotifyBody(input, runUrl, headers.get('content-type') ?? undefined);
  const hasBody = method !== 'GET' && method !== 'HEAD';
  if (hasBody && !headers.has('content-type')) headers.set('content-type', rendered.contentType);

  const audit = (details: Record<string, unknown>) =>
    deps.audit.append({
      action: 'notified',
      actor: { ...NOTIFY_ACTOR },
      workflow: input.run.workflow,
      run_id: input.run.id,
      step_id: input.step_id,
      at: new Date(deps.now()).toISOString(),
      details: { target: target.label, method, outcome: input.outcome, ...details },
    });

  const timeoutMs = deps.notifyTimeoutMs ?? NOTIFY_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(target.url, {
      method,
      headers,
      ...(hasBody ? { body: rendered.body } : {}),
      // A redirect could lead anywhere; a webhook that moved is a failed notification.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const why =
      (error as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'could not connect';
    await audit({ delivered: false, error: why });
    logOf(deps).warn('notification failed', {
      run_id: input.run.id,
      step_id: input.step_id,
      target: target.label,
      error: why,
    });
    throw new NotifyFailedError(`${method} to ${target.label} ${why}`);
  }
  const text = await response.text().catch(() => '');
  const delivered = response.status >= 200 && response.status < 300;
  await audit({ delivered, status: response.status });
  logOf(deps).info(delivered ? 'notification sent' : 'notification refused', {
    run_id: input.run.id,
    step_id: input.step_id,
    target: target.label,
    status: response.status,
  });
  if (!delivered) {
    const snippet = scrub(text.slice(0, SNIPPET_CHARS), target);
    throw new NotifyFailedError(
      `${method} to ${target.label} answered ${response.status}${snippet ? `: ${snippet}` : ''}`,
    );
  }
  return { status: response.status };
}

/** Removes the target's URL and path from an answer's text (servers echo the path in error pages). */
function scrub(text: string, target: NotifyTarget): string {
  let out = text;
  const secrets = [target.url.href, `${target.url.pathname}${target.url.search}`, target.url.pathname];
  for (const s of secrets) if (s.length > 1) out = out.split(s).join('[redacted]');
  return out.replace(/\s+/g, ' ').trim();
}

/** Where an http step posts: its `url`, or the URL kept in a secret (a Slack incoming webhook). */
import type { NotifyInput } from '../../../statemachines/contract.ts';
import type { Secrets } from '../ports.ts';
import { NotifyFailedError } from './notify-failed-error.ts';

/** A resolved target; `label` is what logs, audit events and errors may show of it. */
export interface NotifyTarget {
  url: URL;
  /** `secret:<name>` for a secret URL, else the URL's origin (paths and queries may hold tokens). */
  label: string;
  fromSecret: boolean;
}

/** Resolves the step's URL; throws NotifyFailedError when it is missing or not http(s). */
export async function resolveTarget(secrets: Secrets, http: NotifyInput['http']): Promise<NotifyTarget> {
  const fromSecret = http.url === undefined;
  let raw = http.url;
  let label = 'the step url';
  if (fromSecret) {
    if (!http.secret) throw new NotifyFailedError('the http step has neither url nor secret');
    label = `secret:${http.secret}`;
    raw = await secrets.get(http.secret);
    if (!raw) throw new NotifyFailedError(`the secret ${http.secret} is not set`);
  }
  let url: URL;
  try {
    url = new URL((raw ?? '').trim());
  } catch {
    // The parse error would echo the value; say which setting is wrong instead.
    throw new NotifyFailedError(`${label} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NotifyFailedError(`${label} is not an http or https URL`);
  }
  return { url, label: fromSecret ? label : url.origin, fromSecret };
}

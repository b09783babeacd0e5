/**
 * Lambda for http steps: posts the run summary (Slack incoming webhook or any URL). It throws on a
 * failed delivery; the state machine catches it, so the run's outcome stays what it was.
 */
import type { NotifyInput } from '../../statemachines/contract.ts';
import { type NotifyDeps, sendNotification } from '../core/notify/send-notification.ts';
import { depsFor } from '../wiring/scope.ts';
import { createNotifyDeps } from './deps.ts';

/** Builds the handler over deps looked up per call (the local runtime swaps them in). */
export function createNotifyHandler(deps: () => NotifyDeps) {
  return async (event: NotifyInput): Promise<{ status: number }> => sendNotification(deps(), event);
}

/** The Lambda entry point. */
export const handler = createNotifyHandler(depsFor(createNotifyDeps));

import { type ApprovalDeps, logOf } from './approval/approval-deps.ts';

/** Runs a side effect whose failure must not stop the gate (notifiers, schedules); logs it by name only. */
export async function safely(
  deps: Pick<ApprovalDeps, 'log'>,
  what: string,
  effect: () => Promise<unknown>,
): Promise<void> {
  try {
    await effect();
  } catch (error) {
    logOf(deps).error(`${what} failed`, { error: error instanceof Error ? error.name : typeof error });
  }
}

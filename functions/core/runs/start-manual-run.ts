/**
 * A run started by hand, from the JSON API (`POST /api/runs`) or the web's Start run form: one
 * request shape, one validation and one use case behind both, so the same people may start the
 * same workflows whichever way they ask.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { type StartRunDeps, type StartRunOutcome, startRun } from './start-run.ts';

/** What a manual start asks for. */
export const manualStartSchema = z.strictObject({
  workflow: z.string().check(z.minLength(1), z.maxLength(80)),
  reason: z.optional(z.string().check(z.maxLength(1000))),
  /** A branch or tag to build; the repository's default branch when absent. */
  ref: z.optional(z.string().check(z.maxLength(200))),
  /** A commit to build (full SHA). */
  sha: z.optional(z.string().check(z.maxLength(40))),
});

/** A validated manual start. */
export type ManualStart = z.infer<typeof manualStartSchema>;

/** Validates a manual start request: the request, or every problem as one sentence (`field: problem; ...`). */
export function parseManualStart(
  value: unknown,
): { ok: true; value: ManualStart } | { ok: false; message: string } {
  const parsed = manualStartSchema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  return { ok: false, message: problems.join('; ') };
}

/** Starts a run by hand as the directory user `startedBy`, or says why not (see `startRun`). */
export function startManualRun(
  deps: StartRunDeps,
  startedBy: string,
  request: ManualStart,
): Promise<StartRunOutcome> {
  return startRun(deps, {
    workflow: request.workflow,
    trigger: { type: 'manual' },
    startedBy,
    reason: request.reason,
    source: { ...(request.sha ? { commit: request.sha } : {}), ...(request.ref ? { ref: request.ref } : {}) },
  });
}

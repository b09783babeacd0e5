/**
 * A build step's log for the run page, page by page: the step's newest build (from the execution
 * history), its log from the cursor's position, every line masked. The cursor is opaque to the
 * page: it names the build, the position in its log and whether the last page ended inside a
 * private key block, so a retried step's new build starts from its first line.
 */

import type { BuildLogReader, RunStore, StepBuildFinder } from '../ports.ts';
import { isRunId } from '../runs/run-view.ts';
import type { WorkflowCatalog } from '../runs/workflow-catalog.ts';
import { InvalidLogCursorError } from './log-errors.ts';
import { createLogMasker } from './mask-secrets.ts';

/** What reading a step's log needs. */
export interface StepLogDeps {
  runs: RunStore;
  workflows: WorkflowCatalog;
  stepBuilds: StepBuildFinder;
  buildLogs: BuildLogReader;
  /** The secret values to mask besides the token shapes. */
  logSecrets(): Promise<string[]>;
}

/** One page of a step's log, as the log endpoint returns it. */
export interface StepLogPage {
  step_id: string;
  /** `waiting`: the step's build has not started; `running`; `ended`: the build finished. */
  build: 'waiting' | 'running' | 'ended';
  lines: string[];
  /** Pass it back to read on from here. */
  cursor: string;
  /** Nothing more will be written: stop asking. */
  done: boolean;
}

/** Lines per page. */
export const LOG_PAGE_LINES = 500;
const MAX_CURSOR = 2048;

interface Cursor {
  b: string;
  p?: string;
  k?: 1;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined || text === '') return undefined;
  if (text.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new InvalidLogCursorError('the log cursor is not one this server handed out');
  }
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (typeof value.b === 'string' && (value.p === undefined || typeof value.p === 'string')) return value;
  } catch {
    // fall through
  }
  throw new InvalidLogCursorError('the log cursor is not one this server handed out');
}

/** The iac step's log after `cursor`; undefined when the run or the step does not exist. */
export async function readStepLog(
  deps: StepLogDeps,
  runId: string,
  stepId: string,
  cursorText?: string,
): Promise<StepLogPage | undefined> {
  const cursor = decodeCursor(cursorText);
  const run = isRunId(runId) ? await deps.runs.get(runId) : undefined;
  if (!run) return undefined;
  const step = deps.workflows.get(run.workflow)?.steps.find((s) => s.id === stepId);
  if (step?.type !== 'iac') return undefined;
  let builds: Awaited<ReturnType<StepBuildFinder['list']>> = [];
  try {
    builds = await deps.stepBuilds.list(run.execution_arn);
  } catch (error) {
    // A run whose execution has not started yet has no builds.
    if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
  }
  const build = builds.filter((b) => b.state === stepId).at(-1);
  if (!build) {
    return {
      step_id: stepId,
      build: 'waiting',
      lines: [],
      cursor: cursorText ?? '',
      done: run.status !== 'RUNNING',
    };
  }
  const from = cursor?.b === build.build_id ? cursor : { b: build.build_id };
  const page = await deps.buildLogs.read(build.build_id, from.p, LOG_PAGE_LINES);
  const status = build.ended ? 'ended' : 'running';
  if (!page) {
    return { step_id: stepId, build: status, lines: [], cursor: encodeCursor(from), done: build.ended };
  }
  const masked = createLogMasker(await deps.logSecrets()).mask(page.lines, from.k === 1);
  return {
    step_id: stepId,
    build: status,
    lines: masked.lines,
    cursor: encodeCursor({ b: build.build_id, p: page.next, ...(masked.inPrivateKey ? { k: 1 } : {}) }),
    // An ended build may still have lines to read; done once a read brings nothing new.
    done: build.ended && page.lines.length === 0,
  };
}

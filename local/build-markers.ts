/**
 * One file per build of the local build runner, written when the build is asked for, updated
 * with the pid of each command it runs, and removed when it ends. A marker a previous process
 * left behind is a build that process never saw end (it was stopped or killed): the next start
 * fails that build's task with a cause that says what may have happened, and never runs it again.
 */
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** A build as its marker records it. */
export interface BuildMarker {
  build_id: string;
  execution_arn: string;
  project_name: string;
  /** `plan` or `apply` (SIGNOFF_ACTION), when the build was given one. */
  action?: string;
  /** `queued` until a worker takes it, then `running`. */
  state: 'queued' | 'running';
  /** The process of the command the build runs now. */
  pid?: number;
  /** The local runtime's process that ran the build. */
  runner_pid: number;
  asked_at: string;
  started_at?: string;
  log: string;
}

/** The causes an interrupted build's task fails with, by what the build was doing. */
export const INTERRUPTED_CAUSES = {
  apply: 'interrupted; apply state unknown, check the project',
  plan: 'interrupted during plan',
  other: 'interrupted; build state unknown, check the project',
  queued: 'interrupted while queued, before the build started; nothing ran, start a new run',
} as const;

/** The marker files of one build runner's data directory. */
export class BuildMarkers {
  /** Markers left by earlier processes, found at creation; each is handed out once. */
  private readonly leftOver: BuildMarker[];

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.leftOver = this.readAll().filter((marker) => marker.runner_pid !== process.pid);
  }

  /** Writes (or rewrites) a build's marker, atomically. */
  write(marker: BuildMarker): void {
    const file = this.fileOf(marker.build_id);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(marker)}\n`);
    renameSync(temp, file);
  }

  /** Removes a build's marker (the build ended, and this process saw it end). */
  remove(buildId: string): void {
    rmSync(this.fileOf(buildId), { force: true });
  }

  /**
   * The marker an earlier process left for a build of `projectName` in `executionArn` (the
   * newest), removed from disk: it is handled once.
   */
  takeLeftOver(executionArn: string, projectName: string): BuildMarker | undefined {
    const matching = this.leftOver
      .filter((marker) => marker.execution_arn === executionArn && marker.project_name === projectName)
      .sort((a, b) => a.asked_at.localeCompare(b.asked_at));
    const marker = matching.at(-1);
    for (const handled of matching) {
      this.leftOver.splice(this.leftOver.indexOf(handled), 1);
      this.remove(handled.build_id);
    }
    return marker;
  }

  private readAll(): BuildMarker[] {
    const markers: BuildMarker[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        markers.push(JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as BuildMarker);
      } catch {
        // A marker cut off mid-write: the rename makes that impossible short of a disk fault.
      }
    }
    return markers;
  }

  private fileOf(buildId: string): string {
    return join(this.dir, `${buildId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  }
}

/** Whether a process is alive (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The Cause for an interrupted build's task, and the line its log gets. */
export function interruptedCause(marker: BuildMarker | undefined, action: string | undefined): string {
  if (marker?.state === 'queued') return INTERRUPTED_CAUSES.queued;
  const base =
    action === 'apply'
      ? INTERRUPTED_CAUSES.apply
      : action === 'plan'
        ? INTERRUPTED_CAUSES.plan
        : INTERRUPTED_CAUSES.other;
  if (marker && isProcessAlive(marker.pid))
    return `${base} (its process ${marker.pid} was still running at restart)`;
  return base;
}

/** Notes in the build's own log that the runtime stopped under it. */
export function logInterruption(marker: BuildMarker, cause: string): void {
  try {
    appendFileSync(
      marker.log,
      `[Container] Build interrupted: the local runtime stopped under it: ${cause}\n`,
    );
  } catch {
    // The log may be gone with a deleted data dir; the task's Cause says it all.
  }
}

/**
 * The local runtime reloads `workflows/` when a file there changes, so a new or edited workflow
 * needs no restart. A file with problems is refused: its previous version (if it had one) stays
 * in use, and the problems go to the log and the workflows page. Runs already started go on with
 * the definition they started with, as executions do in Step Functions.
 */
import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import type { ReloadableWorkflowCatalog } from '../functions/core/runs/workflow-catalog.ts';
import { formatProblem, loadWorkspace, type Workspace } from '../statemachines/load.ts';
import type { Workflow } from '../statemachines/schema.ts';

/** What one reload did. */
export interface WorkflowReload {
  added: string[];
  changed: string[];
  removed: string[];
  /** Problems of the refused files, as `file:line:column: message`. */
  problems: string[];
  /** Refused files whose previous version stays in use. */
  kept: string[];
}

export interface WorkflowReloaderOptions {
  root: string;
  catalog: ReloadableWorkflowCatalog;
  /** The workflows loaded at start, with their files. */
  initial: Workspace['workflows'];
  /** Registers a new or changed workflow's state machine (and its secrets) before runs can use it. */
  register(workflow: Workflow): Promise<void>;
  /** Called after every reload that changed something or found problems. */
  onReload(reload: WorkflowReload): void;
  /** How long to wait for more file events before reloading (editors write in several steps). */
  debounceMs?: number;
}

export interface WorkflowReloader {
  /** Loads the files now (the watcher calls this; tests may too). */
  reload(): Promise<WorkflowReload>;
  stop(): void;
}

/** Watches `root/workflows` and reloads the catalog on every change. */
export function watchWorkflows(options: WorkflowReloaderOptions): WorkflowReloader {
  let current = new Map(options.initial.map((w) => [w.file, w.workflow]));
  let running: Promise<WorkflowReload> | undefined;
  let again = false;

  async function reloadOnce(): Promise<WorkflowReload> {
    const workspace = loadWorkspace(options.root);
    const refusedFiles = new Set(workspace.problems.map((p) => p.file));
    const next = new Map<string, Workflow>();
    for (const { file, workflow } of workspace.workflows) next.set(file, workflow);
    const kept: string[] = [];
    // A refused workflow file keeps its last good version. A problem outside workflows/ (the
    // directory or the projects file) refuses every change: the files are checked against them.
    const configBroken = workspace.problems.some((p) => !p.file.startsWith('workflows'));
    if (configBroken) {
      next.clear();
      for (const [file, workflow] of current) next.set(file, workflow);
    }
    for (const file of refusedFiles) {
      const previous = current.get(file);
      if (previous && !configBroken) {
        next.set(file, previous);
        kept.push(file);
      }
    }
    if (configBroken) kept.push(...current.keys());

    const before = new Map([...current.values()].map((w) => [w.name, w]));
    const after = new Map([...next.values()].map((w) => [w.name, w]));
    const added = [...after.keys()].filter((n) => !before.has(n));
    const changed = [...after.keys()].filter(
      (n) => before.has(n) && JSON.stringify(before.get(n)) !== JSON.stringify(after.get(n)),
    );
    const removed = [...before.keys()].filter((n) => !after.has(n));
    for (const name of [...added, ...changed]) await options.register(after.get(name) as Workflow);
    const problems = workspace.problems.map(formatProblem);
    options.catalog.replace([...after.values()], problems);
    current = next;
    return { added, changed, removed, problems, kept: kept.sort() };
  }

  async function reload(): Promise<WorkflowReload> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let result = await reloadOnce();
      while (again) {
        again = false;
        result = await reloadOnce();
      }
      return result;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(join(options.root, 'workflows'), () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        reload().then(
          (result) => {
            const changedSomething =
              result.added.length + result.changed.length + result.removed.length + result.problems.length >
              0;
            if (changedSomething) options.onReload(result);
          },
          (error: Error) =>
            options.onReload({
              added: [],
              changed: [],
              removed: [],
              problems: [`the workflows could not be reloaded: ${error.message}`],
              kept: [...current.keys()],
            }),
        );
      }, options.debounceMs ?? 200);
    });
  } catch {
    // No workflows/ folder to watch: nothing to reload.
  }

  return {
    reload,
    stop() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

/** One line per kind of change, and one per problem, for the runtime's log. */
export function describeReload(reload: WorkflowReload): string[] {
  const lines: string[] = [];
  if (reload.added.length) lines.push(`workflows added: ${reload.added.join(', ')}`);
  if (reload.changed.length) lines.push(`workflows changed: ${reload.changed.join(', ')}`);
  if (reload.removed.length) lines.push(`workflows removed: ${reload.removed.join(', ')}`);
  for (const problem of reload.problems) lines.push(`workflow problem: ${problem}`);
  if (reload.kept.length) lines.push(`kept the previous version of ${reload.kept.join(', ')}`);
  return lines;
}

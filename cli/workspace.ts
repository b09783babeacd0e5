import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileWorkflow } from '../statemachines/compile.ts';
import { formatProblem, loadWorkspace, type Workspace } from '../statemachines/load.ts';
import type { Workflow } from '../statemachines/schema.ts';

/** A CLI failure: printed without a stack trace, exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Finds the project root: the nearest folder upwards with workflows/ or config/. */
export function findRoot(start = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(resolve(dir, 'workflows')) || existsSync(resolve(dir, 'config', 'directory.yaml')))
      return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

/** Loads the workspace and returns the workflow named (by name or file path), or throws a CliError. */
export function workflowNamed(
  nameOrFile: string,
  root = findRoot(),
): { workflow: Workflow; workspace: Workspace } {
  const isFile = /\.ya?ml$/.test(nameOrFile);
  const workspace = loadWorkspace(root, isFile ? [resolve(nameOrFile)] : undefined);
  const found = workspace.workflows.find((w) =>
    isFile ? resolve(root, w.file) === resolve(nameOrFile) : w.workflow.name === nameOrFile,
  );
  if (!found) {
    const problems = workspace.problems.map(formatProblem).join('\n');
    if (problems) throw new CliError(problems);
    const known = workspace.workflows.map((w) => w.workflow.name).join(', ') || 'none';
    throw new CliError(`no workflow named "${nameOrFile}" (workflows: ${known})`);
  }
  return { workflow: found.workflow, workspace };
}

/** Compiles the named workflow. */
export function compiled(nameOrFile: string) {
  const { workflow } = workflowNamed(nameOrFile);
  return { workflow, definition: compileWorkflow(workflow) };
}

/** A JSON file the local runtime keeps in `.signoff/` (runtime.json, tokens.json, secrets.json), if it exists. */
export function readLocalState<T = Record<string, unknown>>(name: string): T | undefined {
  const path = resolve(findRoot(), '.signoff', name);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

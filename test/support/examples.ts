import { fileURLToPath } from 'node:url';
import { compileWorkflow } from '../../statemachines/compile.ts';
import { formatProblem, loadWorkspace } from '../../statemachines/load.ts';
import type { Workflow } from '../../statemachines/schema.ts';

/** The project root (where workflows/ and config/ are). */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The example workspace, loaded once; throws listing every problem if it has any. */
export function loadExamples() {
  const workspace = loadWorkspace(projectRoot);
  if (workspace.problems.length > 0) throw new Error(workspace.problems.map(formatProblem).join('\n'));
  return workspace;
}

/** One example workflow by name, and its compiled definition. */
export function example(name: string): {
  workflow: Workflow;
  definition: ReturnType<typeof compileWorkflow>;
} {
  const found = loadExamples().workflows.find((w) => w.workflow.name === name);
  if (!found) throw new Error(`no example workflow ${name}`);
  return { workflow: found.workflow, definition: compileWorkflow(found.workflow) };
}

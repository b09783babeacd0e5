/** The workflows a deployment knows, with their state machine ARNs. */
import { formatProblem, loadWorkspace } from '../../../statemachines/load.ts';
import type { Workflow } from '../../../statemachines/schema.ts';

/** Workflows by name, and where each one's state machine is. */
export interface WorkflowCatalog {
  get(name: string): Workflow | undefined;
  all(): Workflow[];
  stateMachineArn(name: string): string;
}

/** A catalog over loaded workflows; a workflow's ARN is the prefix plus its name. */
export function createWorkflowCatalog(workflows: Workflow[], stateMachineArnPrefix: string): WorkflowCatalog {
  const byName = new Map(workflows.map((w) => [w.name, w]));
  return {
    get: (name) => byName.get(name),
    all: () => [...byName.values()],
    stateMachineArn: (name) => `${stateMachineArnPrefix}${name}`,
  };
}

/** Loads `workflows/` and `config/` under `dir`; throws listing every problem (a deployment bug, not user input). */
export function loadWorkflowCatalog(dir: string, stateMachineArnPrefix: string): WorkflowCatalog {
  const workspace = loadWorkspace(dir);
  if (workspace.problems.length > 0) {
    throw new Error(`invalid workflows:\n${workspace.problems.map(formatProblem).join('\n')}`);
  }
  return createWorkflowCatalog(
    workspace.workflows.map((w) => w.workflow),
    stateMachineArnPrefix,
  );
}

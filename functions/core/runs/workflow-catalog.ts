/** The workflows a deployment knows, with their state machine ARNs. */
import type { Workflow } from '../../../statemachines/schema.ts';

/** Workflows by name, and where each one's state machine is. */
export interface WorkflowCatalog {
  get(name: string): Workflow | undefined;
  all(): Workflow[];
  stateMachineArn(name: string): string;
  /**
   * What the last reload of the workflow files refused, each as `file:line:column: message`; the
   * refused files' previous versions stay in use. Always empty in AWS, where a workflow with a
   * problem never deploys.
   */
  problems(): string[];
}

/** A catalog whose workflows the local runtime replaces when a workflow file changes. */
export interface ReloadableWorkflowCatalog extends WorkflowCatalog {
  replace(workflows: Workflow[], problems: string[]): void;
}

/** A catalog over loaded workflows; a workflow's ARN is the prefix plus its name. */
export function createWorkflowCatalog(
  workflows: Workflow[],
  stateMachineArnPrefix: string,
): ReloadableWorkflowCatalog {
  let byName = new Map(workflows.map((w) => [w.name, w]));
  let refused: string[] = [];
  return {
    get: (name) => byName.get(name),
    all: () => [...byName.values()],
    stateMachineArn: (name) => `${stateMachineArnPrefix}${name}`,
    problems: () => [...refused],
    replace(next, problems) {
      byName = new Map(next.map((w) => [w.name, w]));
      refused = [...problems];
    },
  };
}

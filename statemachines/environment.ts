/** What a workflow's environment means; no schema library here, so the functions can use it. */
import type { Workflow } from './schema.ts';

/** Whether an environment name means production (unless the workflow says otherwise). */
export function isProduction(workflow: Pick<Workflow, 'environment' | 'production'>): boolean {
  return workflow.production ?? /^prod(uction)?$/i.test(workflow.environment);
}

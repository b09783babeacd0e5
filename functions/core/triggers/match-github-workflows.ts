/** Which workflows a merge starts: those whose github trigger names the repository and branch. */
import type { Workflow } from '../../../statemachines/schema.ts';

/** The workflows triggered by a merge into `branch` of `repository` (repository case-insensitive). */
export function matchGithubWorkflows(workflows: Workflow[], repository: string, branch: string): Workflow[] {
  const repo = repository.toLowerCase();
  return workflows.filter((w) => {
    const github = w.triggers.github;
    // Git branch names are case-sensitive; GitHub's owner/name are not.
    return github !== undefined && github.repository.toLowerCase() === repo && github.branch === branch;
  });
}

/** Which workflows a pull request starts: those whose github trigger names its repository, branch and event. */
import type { Workflow } from '../../../statemachines/schema.ts';

/**
 * The workflows triggered by a merge into `branch` of `repository` (repository case-insensitive),
 * or with `on: pull_request`, by a pull request opened against it or pushed to.
 */
export function matchGithubWorkflows(
  workflows: Workflow[],
  repository: string,
  branch: string,
  on: 'merged' | 'pull_request' = 'merged',
): Workflow[] {
  const repo = repository.toLowerCase();
  return workflows.filter((w) => {
    const github = w.triggers.github;
    // Git branch names are case-sensitive; GitHub's owner/name are not.
    return (
      github !== undefined &&
      github.repository.toLowerCase() === repo &&
      github.branch === branch &&
      (github.on ?? 'merged') === on
    );
  });
}

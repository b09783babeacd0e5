import { describe, expect, it } from 'vitest';
import { matchGithubWorkflows } from '../../../functions/core/triggers/match-github-workflows.ts';
import { type Workflow, workflowSchema } from '../../../statemachines/schema.ts';

const workflow = (name: string, triggers: Record<string, unknown>): Workflow =>
  workflowSchema.parse({
    name,
    environment: 'staging',
    triggers,
    steps: [{ id: 'plan', type: 'iac', project: 'site', action: 'plan' }],
  });

const workflows = [
  workflow('prod', { github: { repository: 'acme/infrastructure', branch: 'main' } }),
  workflow('staging', { github: { repository: 'acme/infrastructure', branch: 'staging' } }),
  workflow('also-main', { github: { repository: 'Acme/Infrastructure' } }),
  workflow('other-repo', { github: { repository: 'acme/website', branch: 'main' } }),
  workflow('manual', { manual: null }),
  workflow('pr-plan', { github: { repository: 'acme/infrastructure', branch: 'main', on: 'pull_request' } }),
];

describe('matchGithubWorkflows', () => {
  it('picks the workflows of the repository whose branch the pull request was merged into', () => {
    const names = matchGithubWorkflows(workflows, 'acme/infrastructure', 'main').map((w) => w.name);
    expect(names).toEqual(['prod', 'also-main']);
  });

  it('compares the repository without case, the branch exactly', () => {
    expect(matchGithubWorkflows(workflows, 'ACME/INFRASTRUCTURE', 'staging').map((w) => w.name)).toEqual([
      'staging',
    ]);
    expect(matchGithubWorkflows(workflows, 'acme/infrastructure', 'Main')).toEqual([]);
  });

  it('starts the workflows run before the merge only for open pull requests', () => {
    expect(
      matchGithubWorkflows(workflows, 'acme/infrastructure', 'main', 'pull_request').map((w) => w.name),
    ).toEqual(['pr-plan']);
  });

  it('matches nothing for another repository or branch', () => {
    expect(matchGithubWorkflows(workflows, 'acme/other', 'main')).toEqual([]);
    expect(matchGithubWorkflows(workflows, 'acme/infrastructure', 'feature/x')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { workflowSchema } from '../../../statemachines/schema.ts';
import { renderWorkflowsPage } from '../../../web/workflows-page.ts';

const user = { name: 'Alice', email: 'alice@acme.com', csrf: 'c' };
const workflow = workflowSchema.parse({
  name: 'staging-deploy',
  environment: 'staging',
  triggers: { manual: null, webhook: null },
  steps: [
    { id: 'approve', type: 'approval', approvers: ['team:platform-leads'], required: 1, timeout: '1h' },
  ],
});

describe('the workflows page', () => {
  it('lists each workflow with how it starts and its steps', () => {
    const page = renderWorkflowsPage({ user, workflows: [workflow], problems: [] });
    expect(page).toContain('<a href="/runs?workflow=staging-deploy">staging-deploy</a>');
    expect(page).toContain('by hand (developer, admin); signed webhook');
    expect(page).toContain('Approval (1 of team:platform-leads)');
    expect(page).not.toContain('Refused workflow files');
    expect(page).toContain('<a href="/workflows" aria-current="page">Workflows</a>');
  });

  it('shows the refused files with file:line:column, escaped', () => {
    const problem = 'workflows/x.yaml:3:7: name: must be lowercase letters, got "<b>X</b>"';
    const page = renderWorkflowsPage({ user, workflows: [], problems: [problem] });
    expect(page).toContain('Refused workflow files');
    expect(page).toContain(
      'workflows/x.yaml:3:7: name: must be lowercase letters, got &quot;&lt;b&gt;X&lt;/b&gt;&quot;',
    );
    expect(page).not.toContain('<b>X</b>');
  });
});

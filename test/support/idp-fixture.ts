/**
 * A repository root for sign-in through the local identity provider: Jane (a developer by hand)
 * starts runs; Kim and Lee are listed without a role, so their role and teams come from the
 * groups the local IdP gives them (Kim: platform lead and engineer; Lee: engineer). `deploy` asks
 * one platform lead; `deploy-strict` does too, and requires a recent sign-in.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createFixtureRoot } from './fixture-root.ts';

/** A held plan: the project "plans" by copying it. */
const PLAN = new URL('../fixtures/plan-rules/tags_only.plan.json', import.meta.url).pathname;

const DIRECTORY = {
  users: [
    { email: 'jane@acme.com', name: 'Jane Doe', role: 'developer' },
    { email: 'kim@acme.com', name: 'Kim Lead', dev_groups: ['okta-platform-leads', 'okta-engineering'] },
    { email: 'lee@acme.com', name: 'Lee Dev', dev_groups: ['okta-engineering'] },
    { email: 'uma@acme.com', name: 'Uma Guest', dev_groups: ['okta-contractors'] },
  ],
  teams: { 'platform-leads': { idp_group: 'okta-platform-leads' } },
  roles: { developer: { idp_group: 'okta-engineering' } },
};

/** plan → approve (one platform lead, announced in #deploys) → apply; `strict` gates ask for a recent sign-in. */
function deployWorkflow(name: string, strict: boolean) {
  return {
    name,
    environment: 'production',
    triggers: { manual: { roles: ['developer'] } },
    steps: [
      { id: 'plan', type: 'iac', project: 'site', action: 'plan' },
      {
        id: 'approve',
        type: 'approval',
        approvers: ['team:platform-leads'],
        required: 1,
        timeout: '1h',
        notify: { slack: 'deploys' },
        ...(strict ? { require_signin: true } : {}),
      },
      { id: 'apply', type: 'iac', project: 'site', action: 'apply', plan_from: 'plan' },
    ],
  };
}

/** Makes the root (named `signoff-<prefix>-...` under the temp dir) and returns its path. */
export function createIdpFixtureRoot(prefix: string): string {
  const root = createFixtureRoot(prefix);
  writeFileSync(join(root, 'config', 'directory.yaml'), stringify(DIRECTORY));
  const plan = `cp '${PLAN}' "$SIGNOFF_PLAN_JSON" && echo saved > "$SIGNOFF_SAVED_PLAN"`;
  writeFileSync(
    join(root, 'config', 'projects.yaml'),
    stringify({ projects: [{ name: 'site', tool: 'command', directory: '.', plan, apply: 'true' }] }),
  );
  mkdirSync(join(root, 'workflows'));
  for (const strict of [false, true]) {
    const name = strict ? 'deploy-strict' : 'deploy';
    writeFileSync(join(root, 'workflows', `${name}.yaml`), stringify(deployWorkflow(name, strict)));
  }
  return root;
}

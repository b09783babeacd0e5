/**
 * A throwaway repository root for the build-log tests: a `command` project whose plan writes a
 * line every 150 ms for a few seconds (so its log can be watched while it runs), printing
 * credentials the log must mask, and one whose plan reads a value from its state folder, so a
 * test changes it between the plan and the apply's re-plan to cause drift.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createFixtureRoot } from './fixture-root.ts';

/** The fixture's workflows. */
export const LOG_WORKFLOWS = { live: 'logs-live', drift: 'logs-drift' } as const;
/** How many lines the slow plan prints. */
export const SLOW_LINES = 40;
/** The file in the runtime's state folder (LOCAL_FILES_STATE_DIR) the drift project plans from. */
export const DRIFT_FILE = 'bucket-acl.txt';

const SLOW_PLAN = `
let i = 0;
const timer = setInterval(() => {
  i += 1;
  console.log('refreshing module.site.aws_s3_object.page[' + i + ']');
  // Built from parts: the build log also shows this command line, which must not hold them whole.
  if (i === 3) console.log('using access key AKIA' + 'IOSFODNN7EXAMPLE and token gh' + 'p_' + 'x1Y2'.repeat(9));
  if (i === 4) console.log('-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAnever' + 'ShowThisKeyMaterial\\n-----END RSA PRIVATE KEY-----');
  if (i < ${SLOW_LINES}) return;
  clearInterval(timer);
  require('node:fs').writeFileSync(process.env.SIGNOFF_PLAN_JSON, JSON.stringify({ format_version: '1.2', resource_changes: [] }));
  console.log('Plan: 0 to add, 0 to change, 0 to destroy.');
}, 150);
`;

const DRIFT_PLAN = `
const fs = require('node:fs');
const acl = fs.readFileSync(require('node:path').join(process.env.LOCAL_FILES_STATE_DIR, '${DRIFT_FILE}'), 'utf8').trim();
const bucket = {
  address: 'aws_s3_bucket.assets', mode: 'managed', type: 'aws_s3_bucket', name: 'assets',
  change: {
    actions: ['update'],
    before: { bucket: 'acme-assets', acl: 'private', db_password: 'old-pass' },
    after: { bucket: 'acme-assets', acl, db_password: 'pass-for-' + acl },
    after_unknown: {}, before_sensitive: { db_password: true }, after_sensitive: { db_password: true },
  },
};
const extra = {
  address: 'aws_iam_role.uploader', mode: 'managed', type: 'aws_iam_role', name: 'uploader',
  change: { actions: ['create'], before: null, after: { name: 'uploader' }, after_unknown: { arn: true } },
};
fs.writeFileSync(process.env.SIGNOFF_PLAN_JSON, JSON.stringify({
  format_version: '1.2',
  resource_changes: acl === 'private' ? [bucket] : [bucket, extra],
}));
console.log('planned with acl ' + acl);
`;

/** Writes the fixture root; returns its path. */
export function createLogProjects(): string {
  const root = createFixtureRoot('logs');
  const project = (name: string, plan: string) => ({
    name,
    tool: 'command',
    directory: 'examples/local-files',
    plan: ['node', '-e', plan],
    apply: ['node', '-e', "console.log('applied')"],
  });
  writeFileSync(
    join(root, 'config', 'projects.yaml'),
    stringify({ projects: [project('slow-site', SLOW_PLAN), project('drifting-site', DRIFT_PLAN)] }),
  );
  mkdirSync(join(root, 'workflows'));
  const workflow = (name: string, steps: unknown[]) =>
    writeFileSync(
      join(root, 'workflows', `${name}.yaml`),
      stringify({
        name,
        environment: 'staging',
        triggers: { manual: { roles: ['developer', 'admin'] } },
        steps,
      }),
    );
  workflow(LOG_WORKFLOWS.live, [{ id: 'plan', type: 'iac', project: 'slow-site', action: 'plan' }]);
  workflow(LOG_WORKFLOWS.drift, [
    { id: 'plan', type: 'iac', project: 'drifting-site', action: 'plan' },
    { id: 'approve', type: 'approval', approvers: ['user:alice@acme.com'], required: 1 },
    { id: 'apply', type: 'iac', project: 'drifting-site', action: 'apply', plan_from: 'plan' },
  ]);
  return root;
}

/**
 * A copy of the project's workspace with one extra workflow, `votes-gate`: a 2-of-4 gate of the
 * platform leads and nothing else, so load tests and benchmarks measure votes, not builds.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './examples.ts';

/** The extra workflow's name. */
export const GATE_WORKFLOW = 'votes-gate';

/** The platform leads: the gate's four approvers. */
export const PLATFORM_LEADS = ['alice@acme.com', 'bob@acme.com', 'carol@acme.com', 'dave@acme.com'];

/** Writes the workspace into a fresh temporary folder and returns its path (a runtime `root`). */
export function gateWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'signoff-gate-root-'));
  cpSync(join(projectRoot, 'config'), join(dir, 'config'), { recursive: true });
  cpSync(join(projectRoot, 'workflows'), join(dir, 'workflows'), { recursive: true });
  mkdirSync(join(dir, 'infra'));
  cpSync(join(projectRoot, 'infra', 'buildspec.yml'), join(dir, 'infra', 'buildspec.yml'));
  writeFileSync(
    join(dir, 'workflows', `${GATE_WORKFLOW}.yaml`),
    `name: ${GATE_WORKFLOW}\nenvironment: staging\nsteps:\n` +
      '  - { id: approve, type: approval, approvers: [team:platform-leads], required: 2, timeout: 1h }\n',
  );
  return dir;
}

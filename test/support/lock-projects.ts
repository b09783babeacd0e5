/**
 * A throwaway repository root for the project-lock tests: command projects whose plan writes an
 * empty Terraform JSON plan at once (or fails), and small workflows over them. The root links the
 * real code and the buildspec and brings its own workflows/ and config/.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createFixtureRoot } from './fixture-root.ts';

/** An empty Terraform JSON plan, and a saved plan for the apply to take. */
const EMPTY_PLAN =
  "const fs=require('node:fs');fs.writeFileSync(process.env.SIGNOFF_PLAN_JSON, JSON.stringify({format_version:'1.2',resource_changes:[]}));fs.writeFileSync(process.env.SIGNOFF_SAVED_PLAN, 'empty')";

/** The fixture's workflows, by what the tests use them for. */
export const LOCK_WORKFLOWS = {
  /**
   * The race: no gate, and a plan and apply of `fast` that only a production run reaches, so a run holds
   * the lock for a few tasks (a notification) instead of a build, and twenty runs take turns
   * within a test's time. The lock is taken at the start either way; builds are in the others.
   */
  race: 'lock-race',
  /**
   * Plan `gated`, then an approval (its task times out after 11 s in the tests); waits 2 s for the
   * lock. The plan is empty, and the gate opens anyway (`gate_on_no_changes`): the tests hold a
   * lock across a pending gate. `supersede: false`, so a second run waits for that lock.
   */
  gated: 'lock-gated',
  /** Plan `broken`, which fails. */
  broken: 'lock-broken',
  /** Plan `crashy`, whose lock the tests leave to a crashed holder. */
  crash: 'lock-crash',
} as const;

/** A fixture root; `remove` deletes it. */
export interface LockProjects {
  root: string;
  remove(): void;
}

/** Writes the fixture root. */
export function createLockProjects(): LockProjects {
  const root = createFixtureRoot('locks');
  const project = (name: string, plan: string) => ({
    name,
    tool: 'command',
    directory: 'examples/local-files',
    plan: ['node', '-e', plan],
    apply: ['node', '-e', '0'],
  });
  writeFileSync(
    join(root, 'config', 'projects.yaml'),
    stringify({
      projects: [
        project('fast', EMPTY_PLAN),
        project('gated', EMPTY_PLAN),
        project('broken', 'process.exit(3)'),
        project('crashy', EMPTY_PLAN),
      ],
    }),
  );
  mkdirSync(join(root, 'workflows'));
  const workflow = (name: string, steps: unknown[], wait: string, more: Record<string, unknown> = {}) =>
    writeFileSync(
      join(root, 'workflows', `${name}.yaml`),
      stringify({
        name,
        environment: 'staging',
        triggers: { manual: { roles: ['developer', 'admin'] } },
        lock: { wait },
        ...more,
        steps,
      }),
    );
  const plan = (project: string) => ({ id: 'plan', type: 'iac', project, action: 'plan' });
  // Only a run that applies takes the project's lock: each workflow applies what it planned.
  const apply = (project: string) => ({
    id: 'apply',
    type: 'iac',
    project,
    action: 'apply',
    plan_from: 'plan',
  });
  workflow(
    LOCK_WORKFLOWS.race,
    [
      {
        id: 'check',
        type: 'condition',
        if: { field: 'run.production', op: 'eq', value: true },
        then: 'plan',
        else: 'done',
      },
      plan('fast'),
      apply('fast'),
      { id: 'done', type: 'http', secret: 'lock-race-sink', run_on: 'success' },
    ],
    '10m',
  );
  workflow(
    LOCK_WORKFLOWS.gated,
    [
      plan('gated'),
      {
        id: 'approve',
        type: 'approval',
        approvers: ['team:platform-leads'],
        timeout: '1m',
        on_timeout: 'cancel',
        gate_on_no_changes: true,
      },
      apply('gated'),
    ],
    '2s',
    // A second run waits for the first instead of superseding it at its gate.
    { supersede: false },
  );
  workflow(LOCK_WORKFLOWS.broken, [plan('broken'), apply('broken')], '1m');
  workflow(LOCK_WORKFLOWS.crash, [plan('crashy'), apply('crashy')], '1m');
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

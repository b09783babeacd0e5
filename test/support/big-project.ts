/**
 * A throwaway repository root for the local runtime with one big project: the example IaC tool
 * planning `resources` files, and a `checkov` on PATH that reports `checks` passed checks. The
 * root links the real code (functions/, statemachines/, examples/, node_modules/, the buildspec)
 * and brings its own workflows/ and config/.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkovReport } from './checkov-report.ts';
import { createFixtureRoot } from './fixture-root.ts';

/** The fixture's workflow: plan the big project, one approval, apply. */
export const BIG_WORKFLOW = 'big-deploy';

/** A fixture root and the folder to put first on PATH (its fake `checkov`). */
export interface BigProject {
  root: string;
  binDir: string;
  remove(): void;
}

/** Writes the fixture; `resources` files to create, `checks` passed Checkov checks. */
export function createBigProject(opts: { resources: number; checks: number }): BigProject {
  const root = createFixtureRoot('big');

  const names = Array.from({ length: opts.resources }, (_, i) => `page_${String(i).padStart(5, '0')}`);
  const desired = join(root, 'desired-big.yaml');
  writeFileSync(
    desired,
    stringify({
      workspace: 'big',
      resources: names.map((name) => ({
        type: 'local_file',
        name,
        path: `${name}.txt`,
        content: `${name}\n`,
      })),
    }),
  );
  const tool = ['node', '--import', 'tsx', 'tool/main.ts'];
  writeFileSync(
    join(root, 'config', 'projects.yaml'),
    stringify({
      projects: [
        {
          name: 'big-site',
          tool: 'command',
          directory: 'examples/local-files',
          plan: [...tool, 'plan', '--desired', desired],
          apply: [...tool, 'apply'],
          cost: [...tool, 'cost'],
          policy: { checkov: true },
        },
      ],
    }),
  );
  mkdirSync(join(root, 'workflows'));
  writeFileSync(
    join(root, 'workflows', `${BIG_WORKFLOW}.yaml`),
    stringify({
      name: BIG_WORKFLOW,
      description: 'Plan 5,000 resources with Checkov on, one approval, apply.',
      environment: 'production',
      triggers: { manual: { roles: ['developer', 'admin'] } },
      steps: [
        { id: 'plan', type: 'iac', project: 'big-site', action: 'plan', on_failure: 'stop' },
        {
          id: 'approve',
          type: 'approval',
          approvers: ['team:platform-leads'],
          required: 1,
          timeout: '4h',
          on_timeout: 'cancel',
          include: ['plan', 'cost', 'policy'],
          notify: { email: true },
        },
        {
          id: 'apply',
          type: 'iac',
          project: 'big-site',
          action: 'apply',
          plan_from: 'plan',
          on_failure: 'stop',
        },
      ],
    }),
  );

  // Checkov reads the plan and prints its report; this one prints a fixed report of that size.
  const binDir = join(root, 'bin');
  mkdirSync(binDir);
  const report = join(root, 'checkov-report.json');
  writeFileSync(
    report,
    JSON.stringify(
      checkovReport(
        opts.checks,
        names.map((n) => `local_file.${n}`),
      ),
    ),
  );
  writeFileSync(join(binDir, 'checkov'), `#!/bin/sh\ncat '${report}'\n`);
  chmodSync(join(binDir, 'checkov'), 0o755);

  return { root, binDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

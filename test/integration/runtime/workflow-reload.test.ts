/**
 * Workflow files are reloaded while the local runtime runs (issue: a new workflow file needed a
 * restart of `npm start`). A file with problems keeps its previous version, and its problems show
 * in the log and on the workflows page. The runtime watches a real folder; nothing here calls the
 * reload by hand.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowReload } from '../../../local/workflow-reload.ts';
import { projectRoot } from '../../support/examples.ts';
import { createFixtureRoot } from '../../support/fixture-root.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

const gate = (name: string, required: number, timeout = '1h') =>
  `name: ${name}\nenvironment: staging\nsteps:\n  - { id: approve, type: approval, approvers: [team:platform-leads], required: ${required}, timeout: ${timeout} }\n`;

let rt: TestRuntime;
let root: string;
const reloads: WorkflowReload[] = [];

async function eventually<T>(read: () => Promise<T>, until: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const workflows = async () =>
  (await rt.api('alice@acme.com', 'GET', '/api/workflows')).body as {
    workflows: { name: string; steps: { id: string }[] }[];
    problems: string[];
  };

beforeAll(async () => {
  root = createFixtureRoot('reload');
  copyFileSync(join(projectRoot, 'config', 'projects.yaml'), join(root, 'config', 'projects.yaml'));
  mkdirSync(join(root, 'workflows'));
  writeFileSync(join(root, 'workflows', 'first.yaml'), gate('first', 1));
  rt = await startTestRuntime({ root, inMemory: true, onWorkflowsReload: (r) => reloads.push(r) });
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('workflow files reloaded while the runtime runs', () => {
  it('a new file in workflows/ can be run without a restart', async () => {
    writeFileSync(join(root, 'workflows', 'second.yaml'), gate('second', 1));
    await eventually(workflows, (w) => w.workflows.some((x) => x.name === 'second'), 'second to load');
    expect(reloads.at(-1)).toMatchObject({ added: ['second'], problems: [] });
    const run = await rt.startRun('jane@acme.com', 'second', 'added while running');
    await rt.pendingGate('alice@acme.com', run.id, 'approve');
  }, 60_000);

  it('a file with problems keeps its previous version; the problems are logged and on the workflows page', async () => {
    writeFileSync(join(root, 'workflows', 'first.yaml'), gate('first', 1, '2 days'));
    const listed = await eventually(workflows, (w) => w.problems.length > 0, 'the problem to show');
    expect(listed.problems).toEqual([
      'workflows/first.yaml:4:92: steps[0].timeout: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "2 days"',
    ]);
    expect(listed.workflows.map((w) => w.name).sort()).toEqual(['first', 'second']);
    expect(reloads.at(-1)).toMatchObject({ kept: ['workflows/first.yaml'], changed: [], added: [] });
    // The previous version still starts runs.
    const run = await rt.startRun('jane@acme.com', 'first', 'old version');
    await rt.pendingGate('alice@acme.com', run.id, 'approve');
  }, 60_000);

  it('fixing the file loads the new version and clears the problems; deleting a file removes its workflow', async () => {
    writeFileSync(join(root, 'workflows', 'first.yaml'), gate('first', 2));
    await eventually(workflows, (w) => w.problems.length === 0, 'the problem to clear');
    expect(reloads.at(-1)).toMatchObject({ changed: ['first'], kept: [] });
    expect(rt.deps.workflows.get('first')?.steps[0]).toMatchObject({ required: 2 });
    rmSync(join(root, 'workflows', 'second.yaml'));
    await eventually(workflows, (w) => !w.workflows.some((x) => x.name === 'second'), 'second to go');
    expect(reloads.at(-1)).toMatchObject({ removed: ['second'] });
  }, 60_000);
});

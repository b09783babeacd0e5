import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FsArtifactStore } from '../../../functions/adapters/fs-artifact-store.ts';
import { BUILD_EXIT, runBuild } from '../../../functions/core/build/run-build.ts';
import type { DriftCheckReport } from '../../../functions/core/drift-checks/classify-drift.ts';
import type { StepSummary } from '../../../functions/core/plan/step-artifacts.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function hasTerraform(): boolean {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A build runner over one project and a fresh artifacts folder; `json` reads an artifact of run r1. */
function builder(rootDir: string, project: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'signoff-drift-check-'));
  const projectsFile = join(tmp, 'projects.yaml');
  writeFileSync(projectsFile, stringify({ projects: [project] }));
  const artifacts = new FsArtifactStore(join(tmp, 'artifacts'));
  const build = (vars: Record<string, string>) =>
    runBuild(
      {
        ...process.env,
        ...env,
        SIGNOFF_RUN_ID: 'r1',
        SIGNOFF_PROJECT: String(project.name),
        SIGNOFF_PROJECTS_FILE: projectsFile,
        ...vars,
      },
      { artifacts, rootDir, echo: () => {}, now: () => new Date() },
    );
  const json = async <T>(key: string) => JSON.parse(new TextDecoder().decode(await artifacts.get(key))) as T;
  const check = (step: string) =>
    build({ SIGNOFF_ACTION: 'plan', SIGNOFF_STEP_ID: step, SIGNOFF_PLAN_MODE: 'drift' });
  return { tmp, build, json, check };
}

// Real Terraform with its built-in terraform_data resource: no provider download, no cloud.
describe.runIf(hasTerraform())('a drift check with terraform', () => {
  it('reports exactly the resource and attribute changed in the state behind its back; untouched, in sync', async () => {
    const root = mkdtempSync(join(tmpdir(), 'signoff-tf-drift-'));
    const dir = join(root, 'infra');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'main.tf'),
      'resource "terraform_data" "app" {\n  input = "v1"\n}\nresource "terraform_data" "db" {\n  input = "d1"\n}\n',
    );
    writeFileSync(join(root, 'none.tfrc'), '');
    const env = { TF_CLI_CONFIG_FILE: join(root, 'none.tfrc') };
    const { build, json, check } = builder(root, { name: 'tf', tool: 'terraform', directory: 'infra' }, env);
    const tf = (...args: string[]) =>
      execFileSync('terraform', args, { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });

    expect((await build({ SIGNOFF_ACTION: 'plan', SIGNOFF_STEP_ID: 'plan' })).code).toBe(BUILD_EXIT.ok);
    const planned = await json<StepSummary>('runs/r1/plan/summary.json');
    const applied = await build({
      SIGNOFF_ACTION: 'apply',
      SIGNOFF_STEP_ID: 'apply',
      SIGNOFF_PLAN_FROM: 'plan',
      SIGNOFF_APPROVED_PLAN_HASH: planned.plan.hash,
    });
    expect(applied.code, applied.message).toBe(BUILD_EXIT.ok);

    const clean = await check('check1');
    expect(clean.code, clean.message).toBe(BUILD_EXIT.ok);
    expect((await json<StepSummary>('runs/r1/check1/summary.json')).drift_check).toMatchObject({
      status: 'in_sync',
      drifted: 0,
      resources: [],
    });

    // Behind Terraform's back: the state now says app's input is something the code never said.
    const state = JSON.parse(tf('state', 'pull')) as {
      serial: number;
      resources: { name: string; instances: { attributes: Record<string, unknown> }[] }[];
    };
    state.serial += 1;
    const app = state.resources.find((r) => r.name === 'app');
    if (!app?.instances[0]) throw new Error('no terraform_data.app in the state');
    app.instances[0].attributes.input = { value: 'changed by hand', type: 'string' };
    writeFileSync(join(root, 'edited.tfstate'), JSON.stringify(state));
    tf('state', 'push', join(root, 'edited.tfstate'));

    const drifted = await check('check2');
    expect(drifted.code, drifted.message).toBe(BUILD_EXIT.ok);
    expect(drifted.message).toMatch(/^drift check: drifted, 1 resource\(s\) differ/);
    const report = await json<DriftCheckReport>('runs/r1/check2/drift-check.json');
    expect(report).toMatchObject({ project: 'tf', status: 'drifted' });
    expect(report.resources).toEqual([
      { address: 'terraform_data.app', changed_outside: false, planned: 'update', attributes: ['input'] },
    ]);
    const summary = await json<StepSummary>('runs/r1/check2/summary.json');
    expect(summary.drift_check).toMatchObject({
      status: 'drifted',
      drifted: 1,
      artifact: 'runs/r1/check2/drift-check.json',
    });
    expect(summary.cost).toEqual({ estimated: false, reason: 'a drift check estimates no cost' });
    // The check changed nothing: the state still holds the hand-made value.
    expect(tf('state', 'pull')).toContain('changed by hand');
  });
});

describe('a drift check of the local-files example', () => {
  it('reports a managed file changed on disk as changed outside the tool, with the attributes', async () => {
    const files = mkdtempSync(join(tmpdir(), 'signoff-lf-drift-'));
    const tool = ['node', '--import', 'tsx', 'tool/main.ts'];
    const { build, json, check } = builder(
      repoRoot,
      {
        name: 'example-site',
        tool: 'command',
        directory: 'examples/local-files',
        plan: [...tool, 'plan', '--desired', 'desired.yaml'],
        apply: [...tool, 'apply'],
      },
      { LOCAL_FILES_STATE_DIR: join(files, 'state'), LOCAL_FILES_ROOT: join(files, 'files') },
    );
    expect((await build({ SIGNOFF_ACTION: 'plan', SIGNOFF_STEP_ID: 'plan' })).code).toBe(BUILD_EXIT.ok);
    const planned = await json<StepSummary>('runs/r1/plan/summary.json');
    const applied = await build({
      SIGNOFF_ACTION: 'apply',
      SIGNOFF_STEP_ID: 'apply',
      SIGNOFF_PLAN_FROM: 'plan',
      SIGNOFF_APPROVED_PLAN_HASH: planned.plan.hash,
    });
    expect(applied.code, applied.message).toBe(BUILD_EXIT.ok);
    expect((await check('check1')).message).toMatch(/^drift check: in sync/);

    const index = join(files, 'files', 'site', 'public', 'index.html');
    writeFileSync(index, `${readFileSync(index, 'utf8')}<p>edited on the server</p>\n`);
    expect((await check('check2')).code).toBe(BUILD_EXIT.ok);
    const report = await json<DriftCheckReport>('runs/r1/check2/drift-check.json');
    expect(report.status).toBe('drifted');
    expect(report.resources).toEqual([
      {
        address: 'local_file.index',
        changed_outside: true,
        planned: 'update',
        attributes: ['content', 'content_sha256'],
      },
    ]);
  });
});

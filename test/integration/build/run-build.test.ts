import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FsArtifactStore } from '../../../functions/adapters/fs-artifact-store.ts';
import { BUILD_EXIT, runBuild } from '../../../functions/core/build/run-build.ts';
import type { DriftReport, StepSummary } from '../../../functions/core/plan/step-artifacts.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const exampleDir = join(repoRoot, 'examples/local-files');

/** The projects.yaml entries the README proposes, pointed at a desired-state file. */
function exampleProject(name: string, desired: string) {
  const tool = ['node', '--import', 'tsx', 'tool/main.ts'];
  return {
    name,
    tool: 'command',
    directory: 'examples/local-files',
    plan: [...tool, 'plan', '--desired', desired],
    apply: [...tool, 'apply'],
    cost: [...tool, 'cost'],
  };
}

let tmp: string;
let artifacts: FsArtifactStore;
let env: NodeJS.ProcessEnv;
let desired: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'signoff-build-test-'));
  artifacts = new FsArtifactStore(join(tmp, 'artifacts'));
  desired = join(tmp, 'desired.yaml');
  writeFileSync(desired, readFileSync(join(exampleDir, 'desired.yaml')));
  const projectsFile = join(tmp, 'projects.yaml');
  writeFileSync(
    projectsFile,
    stringify({
      projects: [
        exampleProject('example-files', desired),
        exampleProject('example-archive', 'desired-archive.yaml'),
      ],
    }),
  );
  const { INFRACOST_API_KEY: _, ...inherited } = process.env;
  env = {
    ...inherited,
    SIGNOFF_RUN_ID: 'run-1',
    SIGNOFF_PROJECTS_FILE: projectsFile,
    LOCAL_FILES_STATE_DIR: join(tmp, 'state'),
    LOCAL_FILES_ROOT: join(tmp, 'files'),
  };
});

async function build(vars: Record<string, string>) {
  let echoed = '';
  const result = await runBuild(
    { ...env, ...vars },
    { artifacts, rootDir: repoRoot, echo: (t) => (echoed += t), now: () => new Date('2026-03-02T10:00:00Z') },
  );
  return { ...result, echoed };
}

async function readArtifact<T>(key: string): Promise<T | undefined> {
  const bytes = await artifacts.get(key);
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as T) : undefined;
}

const plan = (stepId = 'plan', project = 'example-files') =>
  build({ SIGNOFF_ACTION: 'plan', SIGNOFF_STEP_ID: stepId, SIGNOFF_PROJECT: project });
const apply = (hash: string, stepId = 'apply') =>
  build({
    SIGNOFF_ACTION: 'apply',
    SIGNOFF_STEP_ID: stepId,
    SIGNOFF_PROJECT: 'example-files',
    SIGNOFF_PLAN_FROM: 'plan',
    SIGNOFF_APPROVED_PLAN_HASH: hash,
  });

describe('runBuild', () => {
  it('plans the example project into a summary with counts, cost and policy results', async () => {
    const result = await plan();
    expect(result.code, result.echoed).toBe(BUILD_EXIT.ok);
    const summary = await readArtifact<StepSummary>('runs/run-1/plan/summary.json');
    expect(summary?.plan).toMatchObject({
      step_id: 'plan',
      project: 'example-files',
      add: 3,
      change: 0,
      destroy: 0,
      replace: 0,
      resources_truncated: false,
      artifacts: {
        plan_json: 'runs/run-1/plan/plan.json',
        saved_plan: 'runs/run-1/plan/plan.tfplan',
        log: 'runs/run-1/plan/log.txt',
      },
    });
    expect(summary?.plan.resources.map((r) => r.address)).toEqual([
      'local_directory.site',
      'local_file.index',
      'local_file.robots',
    ]);
    expect(summary?.cost).toEqual({
      estimated: true,
      currency: 'USD',
      monthly_before: 0,
      monthly_after: 2.5,
      monthly_delta: 2.5,
    });
    expect(summary?.policy).toMatchObject({ passed: 5, failed: 0, mandatory_failed: 0 });
    expect(await artifacts.get('runs/run-1/plan/plan.json')).toBeDefined();
    expect(await artifacts.get('runs/run-1/plan/plan.tfplan')).toBeDefined();
    const log = new TextDecoder().decode(await artifacts.get('runs/run-1/plan/log.txt'));
    expect(log).toContain('Plan: 3 to add, 0 to change, 0 to destroy.');
    expect(result.echoed).toBe(log);
  });

  it('prices the archive example over 500 a month', async () => {
    expect((await plan('plan', 'example-archive')).code).toBe(BUILD_EXIT.ok);
    const summary = await readArtifact<StepSummary>('runs/run-1/plan/summary.json');
    expect(summary?.cost).toMatchObject({ estimated: true, monthly_delta: 750.5 });
  });

  it('applies the approved plan when the re-plan has the same hash', async () => {
    await plan();
    const summary = await readArtifact<StepSummary>('runs/run-1/plan/summary.json');
    const hash = summary?.plan.hash ?? '';
    const result = await apply(hash);
    expect(result.code, result.echoed).toBe(BUILD_EXIT.ok);
    expect(readFileSync(join(tmp, 'files/site/public/index.html'), 'utf8')).toContain(
      'Deployed through signoff',
    );
    expect(existsSync(join(tmp, 'files/site/public/robots.txt'))).toBe(true);
    expect(await readArtifact('runs/run-1/apply/apply.json')).toMatchObject({
      status: 'applied',
      plan_hash: hash,
      plan_from: 'plan',
    });
    expect(await artifacts.get('runs/run-1/apply/drift.json')).toBeUndefined();
    // Applied: a new plan has nothing left to do.
    await plan('plan_again');
    expect(await readArtifact<StepSummary>('runs/run-1/plan_again/summary.json')).toMatchObject({
      plan: { add: 0, change: 0, destroy: 0, replace: 0 },
    });
  });

  it('blocks the apply with drift.json when the desired state changed after the plan', async () => {
    await plan();
    const hash = (await readArtifact<StepSummary>('runs/run-1/plan/summary.json'))?.plan.hash ?? '';
    writeFileSync(
      desired,
      readFileSync(desired, 'utf8').replace('Deployed through signoff', 'Changed after approval'),
    );
    const result = await apply(hash);
    expect(result.code).toBe(BUILD_EXIT.drift);
    expect(result.message).toMatch(/plan drift.*local_file\.index/);
    const drift = await readArtifact<DriftReport>('runs/run-1/apply/drift.json');
    expect(drift).toMatchObject({ approved_hash: hash, addresses: ['local_file.index'], plan_from: 'plan' });
    expect(drift?.current_hash).not.toBe(hash);
    expect(existsSync(join(tmp, 'files/site/public/index.html'))).toBe(false);
    expect(await artifacts.get('runs/run-1/apply/apply.json')).toBeUndefined();
  });

  it('refuses an apply without an approved hash, never falling back to the plan step hash', async () => {
    await plan();
    const result = await build({
      SIGNOFF_ACTION: 'apply',
      SIGNOFF_STEP_ID: 'apply',
      SIGNOFF_PROJECT: 'example-files',
      SIGNOFF_PLAN_FROM: 'plan',
    });
    expect(result.code, result.echoed).toBe(BUILD_EXIT.badSettings);
    expect(result.message).toMatch(
      /SIGNOFF_APPROVED_PLAN_HASH is not set: an apply only applies a plan whose hash was approved/,
    );
    expect(existsSync(join(tmp, 'files/site/public/index.html'))).toBe(false);
    expect(await artifacts.get('runs/run-1/apply/apply.json')).toBeUndefined();
  });

  it('blocks an apply whose plan was overtaken by another apply of the same change', async () => {
    await plan();
    const hash = (await readArtifact<StepSummary>('runs/run-1/plan/summary.json'))?.plan.hash ?? '';
    await plan('other_plan');
    const other = (await readArtifact<StepSummary>('runs/run-1/other_plan/summary.json'))?.plan.hash ?? '';
    await build({
      SIGNOFF_ACTION: 'apply',
      SIGNOFF_STEP_ID: 'other_apply',
      SIGNOFF_PROJECT: 'example-files',
      SIGNOFF_PLAN_FROM: 'other_plan',
      SIGNOFF_APPROVED_PLAN_HASH: other,
    });
    const result = await apply(hash);
    // The re-plan now has nothing to do, which is not what was approved.
    expect(result.code).toBe(BUILD_EXIT.drift);
    expect((await readArtifact<DriftReport>('runs/run-1/apply/drift.json'))?.addresses).toEqual([
      'local_directory.site',
      'local_file.index',
      'local_file.robots',
    ]);
  });

  it('fails the apply when the tool refuses a stale saved plan, and records apply.json as failed', async () => {
    await plan();
    const hash = (await readArtifact<StepSummary>('runs/run-1/plan/summary.json'))?.plan.hash ?? '';
    // The state moves on (another apply elsewhere) without changing what the plan would do.
    mkdirSync(join(tmp, 'state'));
    writeFileSync(
      join(tmp, 'state/site.state.json'),
      JSON.stringify({ version: 1, lineage: 'other', serial: 7, resources: [] }),
    );
    const result = await apply(hash);
    expect(result.code).toBe(BUILD_EXIT.failed);
    expect(result.message).toMatch(/apply failed: the apply command failed \(exit 1\)/);
    expect(result.echoed).toMatch(/refusing to apply a stale plan/);
    expect(await readArtifact('runs/run-1/apply/apply.json')).toMatchObject({
      status: 'failed',
      exit_code: 1,
    });
    expect(existsSync(join(tmp, 'files/site/public/index.html'))).toBe(false);
  });
});

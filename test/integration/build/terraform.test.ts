import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FsArtifactStore } from '../../../functions/adapters/fs-artifact-store.ts';
import { BUILD_EXIT, runBuild } from '../../../functions/core/build/run-build.ts';
import type { DriftReport, StepSummary } from '../../../functions/core/plan/step-artifacts.ts';

function hasTerraform(): boolean {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Real Terraform with its built-in terraform_data resource: no provider download, no cloud.
// Runs where terraform is on PATH (the runner's missing-binary message is tested in unit tests).
describe.runIf(hasTerraform())('runBuild with terraform', () => {
  it('plans, applies the approved saved plan, and blocks a drifted apply', async () => {
    const root = mkdtempSync(join(tmpdir(), 'signoff-tf-'));
    mkdirSync(join(root, 'infra'));
    const config = (value: string) => `resource "terraform_data" "app" {\n  input = "${value}"\n}\n`;
    writeFileSync(join(root, 'infra/main.tf'), config('v1'));
    writeFileSync(
      join(root, 'projects.yaml'),
      stringify({ projects: [{ name: 'tf', tool: 'terraform', directory: 'infra' }] }),
    );
    const artifacts = new FsArtifactStore(join(root, 'artifacts'));
    const build = (vars: Record<string, string>) =>
      runBuild(
        {
          ...process.env,
          TF_CLI_CONFIG_FILE: join(root, 'none.tfrc'),
          SIGNOFF_RUN_ID: 'r1',
          SIGNOFF_PROJECT: 'tf',
          SIGNOFF_PROJECTS_FILE: 'projects.yaml',
          ...vars,
        },
        { artifacts, rootDir: root, echo: () => {}, now: () => new Date() },
      );
    const json = async <T>(key: string) =>
      JSON.parse(new TextDecoder().decode(await artifacts.get(key))) as T;

    expect((await build({ SIGNOFF_ACTION: 'plan', SIGNOFF_STEP_ID: 'plan' })).code).toBe(BUILD_EXIT.ok);
    const summary = await json<StepSummary>('runs/r1/plan/summary.json');
    expect(summary.plan).toMatchObject({
      add: 1,
      resources: [{ address: 'terraform_data.app', action: 'create' }],
    });
    const apply = (step: string, from: string, hash: string) =>
      build({
        SIGNOFF_ACTION: 'apply',
        SIGNOFF_STEP_ID: step,
        SIGNOFF_PLAN_FROM: from,
        SIGNOFF_APPROVED_PLAN_HASH: hash,
      });
    const applied = await apply('apply', 'plan', summary.plan.hash);
    expect(applied.code, applied.message).toBe(BUILD_EXIT.ok);
    expect(readFileSync(join(root, 'infra/terraform.tfstate'), 'utf8')).toContain('"v1"');

    expect((await build({ SIGNOFF_ACTION: 'plan', SIGNOFF_STEP_ID: 'plan2' })).code).toBe(BUILD_EXIT.ok);
    const second = await json<StepSummary>('runs/r1/plan2/summary.json');
    expect(second.plan).toMatchObject({ add: 0, change: 0, destroy: 0, replace: 0 });
    writeFileSync(join(root, 'infra/main.tf'), config('v3'));
    const plan3 = await build({ SIGNOFF_ACTION: 'plan', SIGNOFF_STEP_ID: 'plan3' });
    expect(plan3.code).toBe(BUILD_EXIT.ok);
    const approved = await json<StepSummary>('runs/r1/plan3/summary.json');
    expect(approved.plan).toMatchObject({ change: 1 });
    writeFileSync(join(root, 'infra/main.tf'), config('v4'));
    const drifted = await apply('apply3', 'plan3', approved.plan.hash);
    expect(drifted.code).toBe(BUILD_EXIT.drift);
    expect((await json<DriftReport>('runs/r1/apply3/drift.json')).addresses).toEqual(['terraform_data.app']);
    expect(readFileSync(join(root, 'infra/terraform.tfstate'), 'utf8')).not.toContain('"v4"');
  });
});

import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FsArtifactStore } from '../../../../functions/adapters/fs-artifact-store.ts';
import { BUILD_EXIT, runBuild } from '../../../../functions/core/build/run-build.ts';

let root: string;
let artifacts: FsArtifactStore;

function writeProjects(projects: unknown[]) {
  writeFileSync(join(root, 'projects.yaml'), stringify({ projects }));
}

async function build(vars: Record<string, string>, path = process.env.PATH ?? '') {
  let echoed = '';
  const env = {
    PATH: path,
    SIGNOFF_RUN_ID: 'r1',
    SIGNOFF_STEP_ID: 'plan',
    SIGNOFF_PROJECT: 'app',
    SIGNOFF_ACTION: 'plan',
    SIGNOFF_PROJECTS_FILE: 'projects.yaml',
    ...vars,
  };
  const result = await runBuild(env, {
    artifacts,
    rootDir: root,
    echo: (t) => (echoed += t),
    now: () => new Date(0),
  });
  const log = await artifacts.get(`runs/r1/${env.SIGNOFF_STEP_ID}/log.txt`);
  return { ...result, echoed, log: log && new TextDecoder().decode(log) };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'signoff-runbuild-'));
  artifacts = new FsArtifactStore(join(root, 'artifacts'));
});

describe('runBuild', () => {
  it('reports every missing setting at once', async () => {
    let echoed = '';
    const result = await runBuild(
      { SIGNOFF_ACTION: 'deploy' },
      { artifacts, rootDir: root, echo: (t) => (echoed += t), now: () => new Date(0) },
    );
    expect(result.code).toBe(BUILD_EXIT.badSettings);
    expect(result.message).toMatch(
      /SIGNOFF_ACTION must be plan or apply.*SIGNOFF_RUN_ID is not set.*SIGNOFF_STEP_ID.*SIGNOFF_PROJECT/,
    );
    expect(echoed).toContain(result.message);
  });

  it('refuses an apply without an approved plan hash, before touching the project', async () => {
    const result = await build({
      SIGNOFF_ACTION: 'apply',
      SIGNOFF_STEP_ID: 'apply',
      SIGNOFF_PLAN_FROM: 'plan',
    });
    expect(result.code).toBe(BUILD_EXIT.badSettings);
    expect(result.message).toContain(
      'SIGNOFF_APPROVED_PLAN_HASH is not set: an apply only applies a plan whose hash was approved',
    );
    expect(await artifacts.get('runs/r1/apply/apply.json')).toBeUndefined();
  });

  it('says clearly when terraform is not installed', async () => {
    writeProjects([{ name: 'app', tool: 'terraform', directory: '.' }]);
    const result = await build({}, join(root, 'no-bin'));
    expect(result.code).toBe(BUILD_EXIT.failed);
    expect(result.message).toBe('plan failed: terraform not found on PATH; install it or use tool: command');
    expect(result.log).toContain('terraform not found on PATH');
  });

  it('fails with the command and its exit code when the plan command fails, keeping the log', async () => {
    writeProjects([
      {
        name: 'app',
        tool: 'command',
        directory: '.',
        plan: 'echo provider exploded >&2; exit 4',
        apply: 'true',
      },
    ]);
    const result = await build({});
    expect(result.code).toBe(BUILD_EXIT.failed);
    expect(result.message).toMatch(/^plan failed: the plan command failed \(exit 4\)/);
    expect(result.log).toContain('provider exploded');
    expect(await artifacts.get('runs/r1/plan/summary.json')).toBeUndefined();
  });

  it('fails when the plan command writes no plan JSON', async () => {
    writeProjects([{ name: 'app', tool: 'command', directory: '.', plan: 'true', apply: 'true' }]);
    expect((await build({})).message).toMatch(/did not write the plan JSON to \$SIGNOFF_PLAN_JSON/);
  });

  it('fails when the plan command writes something that is not a Terraform plan', async () => {
    writeProjects([
      {
        name: 'app',
        tool: 'command',
        directory: '.',
        plan: 'echo "{}" > "$SIGNOFF_PLAN_JSON"',
        apply: 'true',
      },
    ]);
    expect((await build({})).message).toMatch(/not a Terraform JSON plan: format_version/);
  });

  it('fails on an unknown project or a broken policies file, naming the file', async () => {
    writeProjects([{ name: 'other', tool: 'command', directory: '.', plan: 'true', apply: 'true' }]);
    expect((await build({})).message).toMatch(/project "app" is not in .*projects\.yaml/);
    writeProjects([{ name: 'app', tool: 'command', directory: '.', plan: 'true', apply: 'true' }]);
    writeFileSync(
      join(root, 'policies.yaml'),
      'policies:\n  - name: p\n    description: d\n    severity: mandatory\n    expression: summary.add >\n',
    );
    const result = await build({ SIGNOFF_POLICIES_FILE: 'policies.yaml' });
    expect(result.message).toMatch(/policies\.yaml:5: policy "p": expression does not parse/);
  });

  it('records "not estimated" when there is neither a cost command nor Infracost', async () => {
    const planJson = JSON.stringify({ format_version: '1.2', resource_changes: [] });
    writeProjects([
      {
        name: 'app',
        tool: 'command',
        directory: '.',
        plan: `printf '%s' '${planJson}' > "$SIGNOFF_PLAN_JSON"`,
        apply: 'true',
      },
    ]);
    const result = await build({});
    expect(result.code, result.echoed).toBe(BUILD_EXIT.ok);
    const summary = JSON.parse(new TextDecoder().decode(await artifacts.get('runs/r1/plan/summary.json')));
    expect(summary.cost).toEqual({
      estimated: false,
      reason: expect.stringMatching(/Infracost is not configured/),
    });
    expect(summary.plan.artifacts.saved_plan).toBeUndefined();
  });

  it("evaluates the later gates' rules and auto-approval on the plan, into the summary", async () => {
    const fixture = new URL('../../../fixtures/plan-rules/security_group.plan.json', import.meta.url)
      .pathname;
    writeProjects([
      {
        name: 'app',
        tool: 'command',
        directory: '.',
        plan: `cp '${fixture}' "$SIGNOFF_PLAN_JSON"`,
        apply: 'true',
      },
    ]);
    const gates = [
      {
        step_id: 'approve',
        rules: ['plan.destroy > 0', 'plan.resources.exists(r, r.type.startsWith("aws_security_group"))'],
        auto_approve: 'plan.change == 0',
      },
    ];
    const result = await build({ SIGNOFF_GATE_RULES: JSON.stringify(gates) });
    expect(result.code, result.echoed).toBe(BUILD_EXIT.ok);
    const summary = JSON.parse(new TextDecoder().decode(await artifacts.get('runs/r1/plan/summary.json')));
    expect(summary.gate_rules.approve).toMatchObject({
      plan_hash: summary.plan.hash,
      matched: [
        { rule: 1, resources: ['aws_security_group.web', 'aws_security_group_rule.ssh'], resources_count: 2 },
      ],
      auto_approve: { matched: false, values: { add: 1, change: 2, destroy: 0 } },
    });
  });

  it('refuses gate rules that are not a list of gates, before touching the project', async () => {
    const result = await build({ SIGNOFF_GATE_RULES: '{"step_id": "approve"}' });
    expect(result.code).toBe(BUILD_EXIT.badSettings);
    expect(result.message).toMatch(/SIGNOFF_GATE_RULES must be a JSON list/);
  });

  it('blocks the plan with a mandatory failure when a configured scanner is missing', async () => {
    const planJson = JSON.stringify({ format_version: '1.2', resource_changes: [] });
    writeProjects([
      {
        name: 'app',
        tool: 'command',
        directory: '.',
        plan: `printf '%s' '${planJson}' > "$SIGNOFF_PLAN_JSON"`,
        apply: 'true',
        policy: { conftest: { policy: 'policy' }, checkov: true },
      },
    ]);
    // The plan command runs in /bin/sh with builtins only; conftest and checkov are nowhere.
    const result = await build({}, join(root, 'no-bin'));
    const summary = JSON.parse(new TextDecoder().decode(await artifacts.get('runs/r1/plan/summary.json')));
    expect(result.code).toBe(BUILD_EXIT.ok);
    expect(summary.policy.results).toContainEqual({
      name: 'conftest',
      source: 'conftest',
      severity: 'mandatory',
      passed: false,
      message: 'conftest not found on PATH',
    });
    expect(summary.policy.mandatory_failed).toBe(2);
  });

  it('keeps every policy result in policy.json and only the counts and failures in the summary', async () => {
    const planJson = JSON.stringify({ format_version: '1.2', resource_changes: [] });
    writeProjects([
      {
        name: 'app',
        tool: 'command',
        directory: '.',
        plan: `printf '%s' '${planJson}' > "$SIGNOFF_PLAN_JSON"`,
        apply: 'true',
        policy: { checkov: true },
      },
    ]);
    const check = (i: number) => ({
      check_id: `CKV_AWS_${i}`,
      check_name: `Check ${i}`,
      resource: `aws_s3_bucket.b${i}`,
    });
    const report = {
      check_type: 'terraform_plan',
      results: {
        passed_checks: Array.from({ length: 300 }, (_, i) => check(i)),
        failed_checks: [check(1000), check(1001)],
      },
    };
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(root, 'checkov.json'), JSON.stringify(report));
    writeFileSync(join(bin, 'checkov'), `#!/bin/sh\ncat '${join(root, 'checkov.json')}'\n`);
    chmodSync(join(bin, 'checkov'), 0o755);

    const result = await build({}, `${bin}:/usr/bin:/bin`);
    expect(result.code, result.echoed).toBe(BUILD_EXIT.ok);
    const read = async (name: string) =>
      JSON.parse(new TextDecoder().decode(await artifacts.get(`runs/r1/plan/${name}`)));
    const summary = await read('summary.json');
    expect(summary.policy).toMatchObject({
      passed: 300,
      failed: 2,
      mandatory_failed: 2,
      results_truncated: false,
      artifact: 'runs/r1/plan/policy.json',
    });
    expect(summary.policy.results.map((r: { name: string }) => r.name)).toEqual([
      'CKV_AWS_1000 Check 1000',
      'CKV_AWS_1001 Check 1001',
    ]);
    const all = await read('policy.json');
    expect(all.results).toHaveLength(302);
    expect(all.results.filter((r: { passed: boolean }) => r.passed)).toHaveLength(300);
  });
});

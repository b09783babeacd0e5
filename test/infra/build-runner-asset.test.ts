/**
 * The build runner reaches CodeBuild as one synth-time asset: every build project is told where it
 * is, may read that one object and nothing else of the assets bucket, and keeps Terraform's
 * providers in a local cache. The bundle itself runs with Node.js alone, far from node_modules.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BuildRunnerAsset } from '../../infra/constructs/build-runner-asset.ts';
import { BUILD_RUNNER_FILE } from '../../infra/constructs/bundling.ts';
import { projectRoot } from '../support/examples.ts';
import { allStatements, render, type Statement, synthSignoff } from './synth.ts';

type Resource = { Properties: Record<string, any> };

let template: Template;
let statements: Statement[];

beforeAll(() => {
  template = synthSignoff({ bundle: false }).template;
  statements = allStatements(template);
}, 120_000);

const projects = () =>
  Object.values(template.findResources('AWS::CodeBuild::Project') as Record<string, Resource>);
const envOf = (p: Resource) =>
  Object.fromEntries(
    (p.Properties.Environment.EnvironmentVariables as { Name: string; Value: unknown }[]).map((v) => [
      v.Name,
      render(v.Value),
    ]),
  );
const roleOf = (p: Resource) => {
  const role = p.Properties.ServiceRole;
  return typeof role === 'string' ? `<${role}>` : `<${role['Fn::GetAtt'][0]}>`;
};

describe('the build runner asset', () => {
  it('is named to every build project, with read access to exactly that object', () => {
    expect(projects().length).toBeGreaterThan(0);
    for (const project of projects()) {
      const env = envOf(project);
      expect(env.SIGNOFF_RUNNER_BUCKET).toMatch(/cdk-[a-z0-9]+-assets-/);
      // The bundle (.mjs); a synth that skips bundling, as this one, stages the entry's folder.
      expect(env.SIGNOFF_RUNNER_KEY).toMatch(/^[0-9a-f]{64}\.(mjs|zip)$/);
      const object = `arn:<AWS::Partition>:s3:::${env.SIGNOFF_RUNNER_BUCKET}/${env.SIGNOFF_RUNNER_KEY}`;
      const role = roleOf(project);
      // Imported roles are named by ARN in ServiceRole and by name in their policies.
      const mine = statements.filter((s) => s.roles.some((r) => role.includes(r.replace(/^<|>$/g, ''))));
      const reads = mine.filter((s) => s.resources.includes(object));
      expect(reads.map((s) => s.actions)).toEqual([['s3:GetObject']]);
      // No other object of the assets bucket but the build source, which CodeBuild downloads itself.
      const source = render(project.Properties.Source.Location).split('/').pop();
      const assetObjects = mine
        .flatMap((s) => s.resources)
        .filter((r) => r.startsWith(`arn:<AWS::Partition>:s3:::${env.SIGNOFF_RUNNER_BUCKET}/`));
      expect(new Set(assetObjects)).toEqual(new Set([object, object.replace(/[^/]+$/, source ?? '')]));
    }
  });

  it('gives every build project a local custom cache for the provider plugins', () => {
    for (const project of projects()) {
      expect(project.Properties.Cache).toEqual({ Type: 'LOCAL', Modes: ['LOCAL_CUSTOM_CACHE'] });
    }
  });

  it('bundles to one file that runs with Node.js alone, outside the repository', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'signoff-runner-asset-')) });
    const stack = new Stack(app, 'Runner');
    const runner = new BuildRunnerAsset(stack, 'Runner', { projectRoot });
    const assembly = app.synth();
    const staged = join(assembly.directory, stack.resolve(runner.asset.assetPath) as string);
    // A single-file asset: the bundle itself, uploaded as is.
    expect(staged.endsWith('.mjs')).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'signoff-runner-run-'));
    copyFileSync(staged, join(dir, BUILD_RUNNER_FILE));
    mkdirSync(join(dir, 'config'));
    writeFileSync(
      join(dir, 'config', 'projects.yaml'),
      'projects:\n  - name: network\n    tool: terraform\n    directory: network\n',
    );
    copyFileSync(join(projectRoot, 'config', 'toolchain.yaml'), join(dir, 'config', 'toolchain.yaml'));
    expect(readdirSync(dir)).not.toContain('node_modules');
    const out = execFileSync(process.execPath, [BUILD_RUNNER_FILE, 'toolchain'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, SIGNOFF_PROJECT: 'network' },
    });
    expect(out.trim()).toMatch(/^terraform 1\.11\.4 [0-9a-f]{64}$/);
  });
});

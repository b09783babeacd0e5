/**
 * The buildspec as the local runtime runs it: the bundled runner plans a real Terraform project,
 * the pinned terraform already on PATH is used without a download, and a release whose checksum
 * is not the pinned one fails the build before any plan.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createLocalBuildRunner } from '../../../local/build-runner.ts';
import { projectRoot } from '../../support/examples.ts';

function terraformVersion(): string | undefined {
  try {
    const out = execFileSync('terraform', ['version', '-json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
    });
    return (JSON.parse(out) as { terraform_version: string }).terraform_version;
  } catch {
    return undefined;
  }
}

/** A Terraform project of one terraform_data resource, and the files a build of it needs. */
function setUp(pinnedVersion: string, sha256: string) {
  const dir = mkdtempSync(join(tmpdir(), 'signoff-local-build-'));
  mkdirSync(join(dir, 'tf'));
  writeFileSync(join(dir, 'tf', 'main.tf'), 'resource "terraform_data" "app" {\n  input = "v1"\n}\n');
  writeFileSync(
    join(dir, 'projects.yaml'),
    stringify({ projects: [{ name: 'tf', tool: 'terraform', directory: join(dir, 'tf') }] }),
  );
  const digest = { linux_amd64: sha256, linux_arm64: sha256 };
  writeFileSync(
    join(dir, 'toolchain.yaml'),
    stringify({
      tools: {
        terraform: { version: pinnedVersion, sha256: digest },
        tofu: { version: '1.8.5', sha256: digest },
      },
    }),
  );
  writeFileSync(join(dir, 'none.tfrc'), '');
  const lines: string[] = [];
  const runBuild = createLocalBuildRunner({
    root: projectRoot,
    logDir: join(dir, 'data', 'builds'),
    projectEnv: {
      SIGNOFF_ARTIFACTS_DIR: join(dir, 'artifacts'),
      SIGNOFF_PROJECTS_FILE: join(dir, 'projects.yaml'),
      SIGNOFF_TOOLCHAIN_FILE: join(dir, 'toolchain.yaml'),
      TF_CLI_CONFIG_FILE: join(dir, 'none.tfrc'),
    },
    onLine: (_id, line) => lines.push(line),
  });
  const plan = () =>
    runBuild({
      projectName: 'signoff-tf',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:signoff-x:r1',
      environment: {
        SIGNOFF_ACTION: 'plan',
        SIGNOFF_RUN_ID: 'r1',
        SIGNOFF_STEP_ID: 'plan',
        SIGNOFF_PROJECT: 'tf',
      },
    });
  return { dir, lines, plan };
}

const version = terraformVersion();

describe.runIf(version)('the local build runner with a pinned terraform', () => {
  it('runs the bundled runner and uses the pinned terraform already on PATH', async () => {
    const { dir, lines, plan } = setUp(version as string, 'a'.repeat(64));
    const result = await plan();
    expect(result.status, lines.join('\n')).toBe('SUCCEEDED');
    expect(lines).toContain('[Container] Running command node "$SIGNOFF_RUNNER"');
    expect(lines.some((l) => l.includes(`terraform ${version} is already installed`))).toBe(true);
    expect(existsSync(join(dir, 'data', 'runner', 'build-runner.mjs'))).toBe(true);
    const summary = JSON.parse(
      readFileSync(join(dir, 'artifacts', 'runs', 'r1', 'plan', 'summary.json'), 'utf8'),
    );
    expect(summary.plan).toMatchObject({ add: 1 });
  });

  it('fails the build with the checksum mismatch, before any plan, when the release is not the pinned one', async () => {
    const zip = Buffer.from('not the release you pinned');
    const server = createServer((_req, res) => res.writeHead(200).end(zip));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const previous = process.env.SIGNOFF_TOOL_MIRROR;
    process.env.SIGNOFF_TOOL_MIRROR = mirror;
    try {
      const pinned = createHash('sha256').update('the real release').digest('hex');
      const { dir, lines, plan } = setUp('0.0.1-test', pinned);
      expect((await plan()).status).toBe('FAILED');
      const got = createHash('sha256').update(zip).digest('hex');
      expect(lines.join('\n')).toContain(
        `checksum mismatch for terraform 0.0.1-test (linux_${process.arch === 'arm64' ? 'arm64' : 'amd64'}): expected ${pinned}, got ${got}; refusing to install`,
      );
      expect(lines).not.toContain('[Container] Entering phase BUILD');
      expect(existsSync(join(dir, 'artifacts', 'runs'))).toBe(false);
    } finally {
      if (previous === undefined) delete process.env.SIGNOFF_TOOL_MIRROR;
      else process.env.SIGNOFF_TOOL_MIRROR = previous;
      await new Promise((done) => server.close(done));
    }
  });
});

/**
 * infra/buildspec.yml needs nothing at build time: no npm, no TypeScript loader, no registry;
 * it runs the bundled runner, installs only pinned tools, and caches Terraform's providers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseToolchain, pinFor } from '../../functions/core/build/toolchain.ts';
import type { Project } from '../../statemachines/schema.ts';
import { projectRoot } from '../support/examples.ts';

const spec = parse(readFileSync(join(projectRoot, 'infra', 'buildspec.yml'), 'utf8')) as {
  env: { variables: Record<string, string> };
  phases: Record<string, { commands: string[] }>;
  cache: { paths: string[] };
};
const commands = Object.values(spec.phases).flatMap((phase) => phase.commands);

describe('infra/buildspec.yml', () => {
  it('runs no npm ci, npm install or tsx', () => {
    for (const command of commands) {
      expect(command).not.toMatch(/\bnpm\s+(ci|install|i)\b/);
      expect(command).not.toMatch(/\bnpx\b/);
      expect(command).not.toMatch(/\btsx\b/);
    }
  });

  it('runs the bundled build runner with Node.js', () => {
    expect(spec.phases.build?.commands).toEqual(['node "$SIGNOFF_RUNNER"']);
    expect(spec.phases.install?.commands).toContain('bash infra/fetch-runner.sh');
  });

  it('installs the pinned tool through the checksum-checking script', () => {
    const install = spec.phases.install?.commands.find((c) => c.includes('install-tool.sh'));
    expect(install).toContain('node "$SIGNOFF_RUNNER" toolchain');
    expect(spec.env.variables.SIGNOFF_TOOLCHAIN_FILE).toBe('config/toolchain.yaml');
  });

  it('keeps the provider plugin cache under a cached path', () => {
    const dir = spec.env.variables.TF_PLUGIN_CACHE_DIR as string;
    expect(dir).toMatch(/^\//);
    expect(spec.cache.paths).toContain(`${dir}/**/*`);
  });
});

describe('config/toolchain.yaml', () => {
  const file = join(projectRoot, 'config', 'toolchain.yaml');
  const toolchain = parseToolchain(readFileSync(file, 'utf8'), file);
  const project = (tool: Project['tool']) => ({ name: 'p', tool, directory: '.' }) as Project;

  it('pins terraform and tofu with a checksum per platform', () => {
    expect(pinFor(toolchain, project('terraform'), 'linux_amd64')).toMatchObject({
      name: 'terraform',
      version: toolchain.tools.terraform.version,
    });
    expect(pinFor(toolchain, project('tofu'), 'linux_arm64')?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pinFor(toolchain, project('command'), 'linux_amd64')).toBeUndefined();
  });

  it('refuses a checksum that is not a SHA-256, naming where', () => {
    const bad = readFileSync(file, 'utf8').replace(/linux_amd64: [0-9a-f]{64}/, 'linux_amd64: abc');
    expect(() => parseToolchain(bad, 'toolchain.yaml')).toThrow(
      /toolchain.yaml is not valid: tools\.terraform\.sha256\.linux_amd64: a SHA-256 is 64 lowercase hex digits/,
    );
  });
});

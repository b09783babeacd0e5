/**
 * The Terraform example for AWS keeps its state and its lock in S3 (use_lockfile, Terraform
 * >= 1.10), and is valid Terraform for the pinned version.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/examples.ts';

const example = join(projectRoot, 'examples/terraform-aws');

function terraformMissing(): string | undefined {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore', timeout: 60_000 });
    return undefined;
  } catch {
    if (process.env.CI === 'true') throw new Error('the infra tests need terraform in CI');
    return 'terraform is not on PATH';
  }
}
const missing = terraformMissing();

describe('examples/terraform-aws', () => {
  it('uses the S3 backend with the lock file in S3, not a DynamoDB table', () => {
    const main = readFileSync(join(example, 'main.tf'), 'utf8');
    const backend = main.match(/backend "s3" \{([^}]*)\}/)?.[1] ?? '';
    expect(backend).toMatch(/use_lockfile\s*=\s*true/);
    expect(backend).toMatch(/encrypt\s*=\s*true/);
    expect(backend).not.toMatch(/dynamodb_table/);
    expect(main).toMatch(/required_version\s*=\s*">= 1\.10"/);
  });

  it.skipIf(Boolean(missing))(
    'is valid Terraform (init without the backend, validate)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'signoff-tf-example-'));
      cpSync(example, dir, { recursive: true });
      const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
      execFileSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], {
        cwd: dir,
        env,
        timeout: 120_000,
      });
      const result = JSON.parse(
        execFileSync('terraform', ['validate', '-json', '-no-color'], { cwd: dir, env, encoding: 'utf8' }),
      ) as { valid: boolean; diagnostics: unknown[] };
      expect(result).toMatchObject({ valid: true, diagnostics: [] });
    },
    180_000,
  );
});

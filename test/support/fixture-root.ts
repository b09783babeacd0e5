/**
 * A throwaway repository root for the local runtime: it links the real code (functions/,
 * statemachines/, examples/, node_modules/, the buildspec and the scripts its install phase
 * runs under infra/) and copies the directory, policies and toolchain from config/. The caller
 * writes its own workflows/ and config/projects.yaml.
 */
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './examples.ts';

/** Makes the root under the temp dir, named `signoff-<prefix>-...`; returns its path. */
export function createFixtureRoot(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), `signoff-${prefix}-`));
  for (const name of [
    'functions',
    'statemachines',
    'examples',
    'infra',
    'node_modules',
    'package.json',
    'tsconfig.json',
  ]) {
    symlinkSync(join(projectRoot, name), join(root, name));
  }
  mkdirSync(join(root, 'config'));
  for (const name of ['directory.yaml', 'policies.yaml', 'toolchain.yaml']) {
    copyFileSync(join(projectRoot, 'config', name), join(root, 'config', name));
  }
  return root;
}

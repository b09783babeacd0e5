/**
 * How every function is bundled: esbuild, minified, ESM for Node.js 22, with source maps. Shared
 * by the CDK functions and the bundle benchmark so the benchmark measures what is deployed; and
 * how the build runner is bundled, shared by its synth-time asset and the local runtime so both
 * run the same file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { DEPLOYED_CONFIG_FILE, type DeployedConfig } from '../../functions/wiring/deployed-config.ts';
import type { Workspace } from '../../statemachines/load.ts';

/** Node.js version the functions run on in Lambda. */
export const NODE_TARGET = 'node22';

/** ESM bundles still meet CommonJS packages that call `require` for Node built-ins. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __signoffCreateRequire } from 'node:module'; const require = __signoffCreateRequire(import.meta.url);";

/** Folders copied beside every bundle: the handlers read them at run time from SIGNOFF_CONFIG_DIR. */
export const RUNTIME_FOLDERS = ['workflows', 'config'] as const;

/** Where the copied folders are inside the Lambda: the bundle's root. */
export const LAMBDA_TASK_ROOT = '/var/task';

/**
 * Writes the validated workflows, directory and freeze windows as the JSON every function reads at cold start
 * (functions/wiring/deployed-config.ts) into a fresh folder; returns the file's path.
 */
export function writeDeployedConfig(
  workspace: Pick<Workspace, 'directory' | 'workflows' | 'freezes'>,
): string {
  const config: DeployedConfig = {
    directory: workspace.directory,
    workflows: workspace.workflows.map((w) => w.workflow),
    freezes: workspace.freezes.freezes,
  };
  const file = join(mkdtempSync(join(tmpdir(), 'signoff-config-')), DEPLOYED_CONFIG_FILE);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/**
 * Shell commands that copy the runtime folders, the deployed config (`writeDeployedConfig`), and
 * a function's own extra files (paths relative to the project root, such as `web/style.css`),
 * from the project into a bundle.
 */
export function copyRuntimeFiles(
  inputDir: string,
  outputDir: string,
  deployedConfigFile: string,
  extraFiles: readonly string[] = [],
): string[] {
  return [
    ...RUNTIME_FOLDERS.map((dir) => `cp -R "${inputDir}/${dir}" "${outputDir}/${dir}"`),
    `cp "${deployedConfigFile}" "${outputDir}/${DEPLOYED_CONFIG_FILE}"`,
    ...extraFiles.flatMap((file) => {
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
      return [`mkdir -p "${outputDir}/${dir}"`, `cp "${inputDir}/${file}" "${outputDir}/${file}"`];
    }),
  ];
}

/**
 * Packages the function bundles resolve to signoff's own module instead, each path relative to the
 * project root: the SDK's default credential chain becomes its first link, the environment, which
 * is where Lambda puts the role's credentials (functions/wiring/lambda-credentials.ts says why).
 */
export const LAMBDA_BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './functions/wiring/lambda-credentials.ts',
};

/**
 * esbuild options equal to the CDK functions' bundling (signoff-function.ts): minified ESM for
 * Node.js 22 with source maps. The bundle benchmark and the size budget test build with these,
 * so both measure what is deployed.
 */
export function functionBundleOptions(projectRoot: string, entry: string, outfile: string): BuildOptions {
  return {
    absWorkingDir: projectRoot,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: NODE_TARGET,
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    alias: { ...LAMBDA_BUNDLE_ALIASES },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'error',
  };
}

/** The build runner's entry point, relative to the project root. */
export const BUILD_RUNNER_ENTRY = 'functions/core/build/main.ts';

/** The build runner bundle's file name, in the asset and in the local data dir. */
export const BUILD_RUNNER_FILE = 'build-runner.mjs';

/**
 * esbuild options of the build runner: one ESM file for Node.js 22 with every dependency inside,
 * so a build needs no `npm ci`, no tsx and no registry. Not minified: a stack trace in a build
 * log then points at readable code, and the size (about 2.6 MB) matters little for one download
 * per build.
 */
export function buildRunnerOptions(projectRoot: string, outfile: string): BuildOptions {
  return {
    absWorkingDir: projectRoot,
    entryPoints: [BUILD_RUNNER_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: NODE_TARGET,
    banner: { js: ESM_REQUIRE_BANNER },
    legalComments: 'none',
    logLevel: 'warning',
  };
}

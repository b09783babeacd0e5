/**
 * How every function is bundled: esbuild, minified, ESM for Node.js 22, with source maps. Shared
 * by the CDK functions and the bundle benchmark so the benchmark measures what is deployed; and
 * how the build runner is bundled, shared by its synth-time asset and the local runtime so both
 * run the same file.
 */
import type { BuildOptions } from 'esbuild';

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
 * Shell commands that copy the runtime folders, and a function's own extra files (paths
 * relative to the project root, such as `web/style.css`), from the project into a bundle.
 */
export function copyRuntimeFiles(
  inputDir: string,
  outputDir: string,
  extraFiles: readonly string[] = [],
): string[] {
  return [
    ...RUNTIME_FOLDERS.map((dir) => `cp -R "${inputDir}/${dir}" "${outputDir}/${dir}"`),
    ...extraFiles.flatMap((file) => {
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
      return [`mkdir -p "${outputDir}/${dir}"`, `cp "${inputDir}/${file}" "${outputDir}/${file}"`];
    }),
  ];
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

/**
 * Runs `infra/buildspec.yml` the way CodeBuild would, for the local runtime's
 * `codebuild:startBuild.sync` tasks: the install and build phases' commands in bash, in the
 * repository, with the project's and the build's environment variables, logging to a file.
 *
 * The build runner is the same esbuild bundle the synth uploads for CodeBuild, built once when
 * the runner is created (in the background, so `npm start` does not wait for it) and handed to
 * every build as SIGNOFF_RUNNER; the buildspec then skips its S3 download.
 *
 * At most `workers` builds run at once; the others wait in a queue, as CodeBuild's QUEUED phase.
 * Every build leaves a marker (build-markers.ts) until it ends, so a build the process never saw
 * end is known on the next start and its task fails instead of running it again.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { z } from 'zod';
import { buildLogFileName } from '../functions/adapters/file-build-log-reader.ts';
import { BUILD_RUNNER_FILE, buildRunnerOptions } from '../infra/constructs/bundling.ts';
import { BUILD_ENV } from '../statemachines/contract.ts';
import { type BuildMarker, BuildMarkers, interruptedCause, logInterruption } from './build-markers.ts';
import { BuildCancelledError, BuildPool, type BuildPoolStats } from './build-pool.ts';
import { exportCommit, resolveCommit } from './source-repository.ts';
import type { BuildResult, DescribeInterruptedBuild, RunBuild } from './stepfunctions/index.ts';

const buildspecSchema = z.object({
  version: z.union([z.number(), z.string()]),
  env: z.object({ variables: z.record(z.string(), z.string()).optional() }).optional(),
  phases: z.partialRecord(
    z.enum(['install', 'pre_build', 'build', 'post_build']),
    z.object({ commands: z.array(z.string()).default([]) }),
  ),
});

const PHASES = ['install', 'pre_build', 'build', 'post_build'] as const;

/** Options of the local build runner. */
export interface LocalBuildRunnerOptions {
  /** The project: the buildspec comes from here, and builds without a source version run here. */
  root: string;
  /**
   * The git repository a build's `sourceVersion` names a commit, branch or tag of: the build
   * runs in a clean export of that commit (CODEBUILD_SRC_DIR). Without it, a source version
   * fails the build, as CodeBuild fails one its source cannot check out.
   */
  repository?: string;
  /** Logs go to `<logDir>/<build id>.log`. */
  logDir: string;
  /** What the CodeBuild project sets (artifacts location, example state dirs, ...). */
  projectEnv: Record<string, string>;
  buildspec?: string;
  /** Called with every log line (the runtime's progress output); optional. */
  onLine?: (buildId: string, line: string) => void;
  /**
   * Where the runner bundle, the installed tools and Terraform's provider cache go; default: the
   * parent of `logDir` (the runtime's data dir).
   */
  dataDir?: string;
  /** How many builds run at once (the local runtime's SIGNOFF_BUILD_WORKERS); default: no bound. */
  workers?: number;
  /**
   * Called when an apply a previous process left running is found, before its run fails: the
   * project's lock must stay held until an admin has checked the project and releases it (the
   * apply may have changed part of it).
   */
  onInterruptedApply?: (build: BuildMarker) => Promise<void> | void;
}

/** The local build runner: `runBuild` for the Step Functions server, with its queue and its markers. */
export type LocalBuildRunner = RunBuild & {
  /** The Cause for a build task a previous process left running (see DescribeInterruptedBuild). */
  describeInterrupted: DescribeInterruptedBuild;
  /** The worker pool's counters. */
  stats(): BuildPoolStats;
};

type Bundle = { file: string } | { error: string };

/** One bundle per file in this process: runners sharing a data dir must not rewrite it under a build. */
const bundles = new Map<string, Promise<Bundle>>();

/**
 * Bundles the build runner into `<dataDir>/runner/`; the promise never rejects: a failed bundle
 * resolves to its error, so each build can fail with it.
 */
function bundleRunner(root: string, dataDir: string): Promise<Bundle> {
  const file = join(dataDir, 'runner', BUILD_RUNNER_FILE);
  let bundle = bundles.get(file);
  if (!bundle) {
    mkdirSync(dirname(file), { recursive: true });
    bundle = build(buildRunnerOptions(root, file)).then(
      () => ({ file }),
      (error: unknown) => ({ error: `cannot bundle the build runner: ${(error as Error).message}` }),
    );
    bundles.set(file, bundle);
  }
  return bundle;
}

/** Creates the `runBuild` the local Step Functions server calls for startBuild.sync tasks. */
export function createLocalBuildRunner(options: LocalBuildRunnerOptions): LocalBuildRunner {
  const specPath = join(options.root, options.buildspec ?? 'infra/buildspec.yml');
  const spec = buildspecSchema.parse(parse(readFileSync(specPath, 'utf8')));
  mkdirSync(options.logDir, { recursive: true });
  const dataDir = options.dataDir ?? dirname(options.logDir);
  const runner = bundleRunner(options.root, dataDir);
  const pool = new BuildPool(options.workers ?? Number.MAX_SAFE_INTEGER);
  const markers = new BuildMarkers(join(options.logDir, 'running'));
  let number = 0;

  const runBuild: RunBuild = async ({
    projectName,
    sourceVersion,
    environment,
    executionArn,
    onStart,
    signal,
  }) => {
    const id = `${projectName}:${randomUUID()}`;
    const logFile = join(options.logDir, buildLogFileName(id));
    const marker: BuildMarker = {
      build_id: id,
      execution_arn: executionArn,
      project_name: projectName,
      ...(environment[BUILD_ENV.action] ? { action: environment[BUILD_ENV.action] } : {}),
      state: 'queued',
      runner_pid: process.pid,
      asked_at: new Date().toISOString(),
      log: logFile,
    };
    markers.write(marker);
    let release: () => void;
    try {
      release = await pool.acquire(signal);
    } catch (error) {
      markers.remove(id);
      if (error instanceof BuildCancelledError) return { id, status: 'FAILED' };
      throw error;
    }
    try {
      number += 1;
      Object.assign(marker, { state: 'running', started_at: new Date().toISOString() });
      markers.write(marker);
      onStart?.(id);
      return await runPhases(id, number, sourceVersion, environment, logFile, (pid) => {
        marker.pid = pid;
        markers.write(marker);
      });
    } finally {
      // Marker first: a marker of a running build never outnumbers the pool's workers.
      markers.remove(id);
      release();
    }
  };

  const runPhases = async (
    id: string,
    buildNumber: number,
    sourceVersion: string | undefined,
    environment: Record<string, string>,
    logFile: string,
    onSpawn: (pid: number) => void,
  ): Promise<BuildResult> => {
    const bundle = await runner;
    const resolved =
      sourceVersion && options.repository
        ? await resolveCommit(options.repository, sourceVersion)
        : undefined;
    const srcDir = resolved
      ? join(dataDir, 'builds', 'src', id.replace(/[^A-Za-z0-9_.-]/g, '_'))
      : options.root;
    const env: Record<string, string> = {
      ...inheritedEnv(),
      ...spec.env?.variables,
      // CodeBuild's paths in the buildspec, as they are on this machine.
      ...('file' in bundle ? { SIGNOFF_RUNNER: bundle.file } : {}),
      SIGNOFF_TOOLS_DIR: join(dataDir, 'tools', 'bin'),
      TF_PLUGIN_CACHE_DIR: join(dataDir, 'terraform-plugins'),
      ...options.projectEnv,
      ...environment,
      CODEBUILD_BUILD_ID: id,
      CODEBUILD_BUILD_ARN: `arn:aws:codebuild:us-east-1:000000000000:build/${id}`,
      CODEBUILD_BUILD_NUMBER: String(buildNumber),
      CODEBUILD_INITIATOR: 'states/local',
      CODEBUILD_SRC_DIR: srcDir,
      ...(resolved
        ? { CODEBUILD_RESOLVED_SOURCE_VERSION: resolved, CODEBUILD_SOURCE_VERSION: sourceVersion as string }
        : {}),
      CODEBUILD_BUILD_SUCCEEDING: '1',
    };
    const log = createWriteStream(logFile);
    const write = (line: string) => {
      log.write(`${line}\n`);
      options.onLine?.(id, line);
    };
    let status: BuildResult['status'] = 'SUCCEEDED';
    try {
      if ('error' in bundle) {
        write(bundle.error);
        status = 'FAILED';
      } else if (sourceVersion) {
        write('[Container] Entering phase DOWNLOAD_SOURCE');
        if (resolved) {
          await exportCommit(
            options.repository as string,
            resolved,
            srcDir,
            join(options.root, 'node_modules'),
          );
          write(`[Container] Checked out ${resolved} (source version ${sourceVersion})`);
        } else {
          write(
            options.repository
              ? `CLIENT_ERROR: reference not found for primary source and source version ${sourceVersion}`
              : `CLIENT_ERROR: the project has no repository source, so it cannot build source version ${sourceVersion}`,
          );
          status = 'FAILED';
        }
      }
      for (const phase of status === 'FAILED' ? [] : PHASES) {
        const commands = spec.phases[phase]?.commands ?? [];
        if (commands.length === 0) continue;
        write(`[Container] Entering phase ${phase.toUpperCase()}`);
        for (const command of commands) {
          write(`[Container] Running command ${command}`);
          const code = await runCommand(command, srcDir, env, write, onSpawn);
          if (code !== 0) {
            write(`[Container] Command did not exit successfully ${command} exit status ${code}`);
            status = 'FAILED';
            break;
          }
        }
        if (status === 'FAILED') break;
      }
    } finally {
      write(`[Container] Build ${status}`);
      await new Promise<void>((resolve) => log.end(() => resolve()));
      if (srcDir !== options.root) rmSync(srcDir, { recursive: true, force: true });
    }
    return { id, status, ...(resolved ? { resolvedSourceVersion: resolved } : {}) };
  };

  const describeInterrupted: DescribeInterruptedBuild = async ({
    projectName,
    environment,
    executionArn,
  }) => {
    const marker = markers.takeLeftOver(executionArn, projectName);
    const action = marker?.action ?? environment[BUILD_ENV.action];
    const cause = interruptedCause(marker, action);
    if (marker) logInterruption(marker, cause);
    if (action === 'apply' && marker?.state !== 'queued') {
      await options.onInterruptedApply?.(
        marker ?? {
          build_id: '(unknown)',
          execution_arn: executionArn,
          project_name: projectName,
          action,
          state: 'running',
          runner_pid: process.pid,
          asked_at: new Date().toISOString(),
          log: '',
        },
      );
    }
    return cause;
  };

  return Object.assign(runBuild, { describeInterrupted, stats: () => pool.stats() });
}

/**
 * The shell's environment for the build (terraform may need the user's AWS profile), without
 * signoff's own credentials: a build runs the project's code and has no business with them.
 */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(SLACK_|SIGNOFF_TOKEN$)/.test(name)) env[name] = value;
  }
  return env;
}

function runCommand(
  command: string,
  cwd: string,
  env: Record<string, string>,
  write: (line: string) => void,
  onSpawn: (pid: number) => void,
) {
  return new Promise<number>((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) onSpawn(child.pid);
    const lines = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const part of parts) write(part);
      });
      stream.on('end', () => rest && write(rest));
    };
    lines(child.stdout);
    lines(child.stderr);
    child.on('error', (error) => {
      write(`cannot run: ${error.message}`);
      resolve(127);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

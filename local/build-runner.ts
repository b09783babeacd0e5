/**
 * Runs `infra/buildspec.yml` the way CodeBuild would, for the local runtime's
 * `codebuild:startBuild.sync` tasks: the install and build phases' commands in bash, in the
 * repository, with the project's and the build's environment variables, logging to a file.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { BuildResult, RunBuild } from './stepfunctions/index.ts';

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
  /** The repository: the buildspec's commands run here (CODEBUILD_SRC_DIR). */
  root: string;
  /** Logs go to `<logDir>/<build id>.log`. */
  logDir: string;
  /** What the CodeBuild project sets (artifacts location, example state dirs, ...). */
  projectEnv: Record<string, string>;
  buildspec?: string;
  /** Called with every log line (the runtime's progress output); optional. */
  onLine?: (buildId: string, line: string) => void;
}

/** Creates the `runBuild` the local Step Functions server calls for startBuild.sync tasks. */
export function createLocalBuildRunner(options: LocalBuildRunnerOptions): RunBuild {
  const specPath = join(options.root, options.buildspec ?? 'infra/buildspec.yml');
  const spec = buildspecSchema.parse(parse(readFileSync(specPath, 'utf8')));
  mkdirSync(options.logDir, { recursive: true });
  let number = 0;

  return async ({ projectName, environment }): Promise<BuildResult> => {
    number += 1;
    const id = `${projectName}:${randomUUID()}`;
    const env: Record<string, string> = {
      ...inheritedEnv(),
      ...spec.env?.variables,
      ...options.projectEnv,
      ...environment,
      CODEBUILD_BUILD_ID: id,
      CODEBUILD_BUILD_ARN: `arn:aws:codebuild:us-east-1:000000000000:build/${id}`,
      CODEBUILD_BUILD_NUMBER: String(number),
      CODEBUILD_INITIATOR: 'states/local',
      CODEBUILD_SRC_DIR: options.root,
      CODEBUILD_BUILD_SUCCEEDING: '1',
    };
    const log = createWriteStream(join(options.logDir, `${id.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`));
    const write = (line: string) => {
      log.write(`${line}\n`);
      options.onLine?.(id, line);
    };
    let status: BuildResult['status'] = 'SUCCEEDED';
    try {
      for (const phase of PHASES) {
        const commands = spec.phases[phase]?.commands ?? [];
        if (commands.length === 0) continue;
        write(`[Container] Entering phase ${phase.toUpperCase()}`);
        for (const command of commands) {
          write(`[Container] Running command ${command}`);
          const code = await runCommand(command, options.root, env, write);
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
    }
    return { id, status };
  };
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
) {
  return new Promise<number>((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

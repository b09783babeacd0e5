import { spawn } from 'node:child_process';
import { SignoffError } from '../errors.ts';
import type { BuildLog } from './build-log.ts';

/** A command as projects.yaml writes it: a shell line, or an argv list run without a shell. */
export type Command = string | readonly string[];

/** Thrown when a command's program is not installed. */
export class ToolNotFoundError extends SignoffError {}

/** How a command ended, and its standard output when captured. */
export interface CommandResult {
  code: number;
  stdout: string;
}

/**
 * Runs a command, streaming its stderr (and its stdout, unless captured) to the log.
 * Captured stdout (plan JSON, cost and policy reports) stays out of the log: a JSON plan
 * carries sensitive values in clear text.
 */
export function runCommand(
  command: Command,
  opts: { cwd: string; env: NodeJS.ProcessEnv; log: BuildLog; capture?: boolean; missing?: string },
): Promise<CommandResult> {
  const [file, args, shell] =
    typeof command === 'string' ? [command, [], true] : [command[0] ?? '', command.slice(1), false];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      shell,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) =>
      opts.capture ? out.push(chunk) : opts.log.write(chunk.toString()),
    );
    child.stderr.on('data', (chunk: Buffer) => opts.log.write(chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new ToolNotFoundError(opts.missing ?? `${file} not found on PATH`, { cause: error }));
      } else reject(error);
    });
    child.on('close', (code, signal) => {
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}

/** The command as one line, for the log. */
export function describeCommand(command: Command): string {
  return typeof command === 'string' ? command : command.join(' ');
}

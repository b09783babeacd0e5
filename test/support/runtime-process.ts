import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntimeClient, type RuntimeClient } from './runtime.ts';

const CHILD = fileURLToPath(new URL('./runtime-child.ts', import.meta.url));

/** A local runtime in a child process, so a test can kill it as a crash would. */
export interface RuntimeProcess extends RuntimeClient {
  url: string;
  pid: number;
  /** Sends SIGKILL to the runtime's process only (its builds live on, as after a real crash) and waits for it to die. */
  kill(): Promise<void>;
  /** Kills the runtime's whole process group: the runtime and every build it left (test cleanup). */
  killGroup(): void;
}

/** Options of the child runtime (`startRuntime`'s, as JSON). */
export interface RuntimeProcessOptions {
  /** The repository (workflows/, config/, infra/buildspec.yml); default this project. */
  root?: string;
  dataDir: string;
  approvalTimeoutSeconds?: number;
  buildWorkers?: number;
}

/** Starts the runtime in a child process over `dataDir` and resolves once it is ready. */
export async function startRuntimeProcess(options: RuntimeProcessOptions): Promise<RuntimeProcess> {
  // Its own process group, so the cleanup can reach the builds a killed runtime leaves behind.
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, SIGNOFF_TEST_RUNTIME: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const url = await readyUrl(child);
  const tokens = JSON.parse(readFileSync(join(options.dataDir, 'tokens.json'), 'utf8')) as Record<
    string,
    string
  >;
  const client = createRuntimeClient(url, tokens, async (runId) => {
    const response = await fetch(`${url}/api/audit?run=${encodeURIComponent(runId)}`, {
      headers: { authorization: `Bearer ${tokens['alice@acme.com']}` },
    });
    return ((await response.json()) as { events: { action: string }[] }).events;
  });
  const pid = child.pid as number;
  return {
    ...client,
    url,
    pid,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    killGroup: () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
    },
  };
}

function readyUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err = (err + chunk).slice(-4000);
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /READY (\S+)\n/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the runtime process exited (${code ?? signal}) before it was ready:\n${err}`)),
    );
  });
}

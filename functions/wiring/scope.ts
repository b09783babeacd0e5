/**
 * Which deps a handler invocation sees. In Lambda every handler builds only what it uses (the
 * `deps.ts` beside it) on its first invocation, so its bundle holds only those adapters and SDK
 * clients. The local runtime and the tests install the full `AppDeps` (`createDeps`), of which
 * every handler's deps are a part: one way to wire everything, checked by the type system.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Config, loadConfig } from '../config.ts';
import type { AppDeps } from '../deps.ts';

let installed: AppDeps | undefined;
// One process can host several functions (the AWS contract tests run each handler as its own
// function, with its own credentials); an invocation inside `runWithDeps` sees only its deps.
const invocationDeps = new AsyncLocalStorage<AppDeps>();

/** Runs `fn` (a handler invocation) with `deps` as what every handler sees inside it. */
export function runWithDeps<T>(deps: AppDeps, fn: () => T): T {
  return invocationDeps.run(deps, fn);
}

/** Installs the process-wide deps (the local runtime builds its own, with local notifiers). */
export function setDeps(deps: AppDeps | undefined): void {
  installed = deps;
}

/** The deps installed for this invocation or process, if any. */
export function installedDeps(): AppDeps | undefined {
  return invocationDeps.getStore() ?? installed;
}

/** True inside a Lambda execution environment (set by the runtime, never by the local runtime). */
function inLambda(): boolean {
  return process.env.LAMBDA_TASK_ROOT !== undefined && process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
}

/**
 * A handler's deps: the installed ones, else its own, built from the environment by `build`,
 * which names the part of `AppDeps` the handler uses. A part may be optional (people's sign-in
 * records, wired only for a directory that maps IdP groups); the type of `build` checks that the
 * installed `AppDeps` fits the part, so handing them over instead is sound. In Lambda they are built when the module
 * loads, in the init phase, as AWS advises for SDK clients ("initialize SDK clients and database
 * connections outside of the function handler", Lambda best practices); should that fail, the
 * first invocation builds them again and fails with the error.
 */
export function depsFor<D extends Partial<AppDeps>>(
  build: (config: Config) => D & (AppDeps extends D ? unknown : never),
): () => D {
  let own: D | undefined;
  if (inLambda()) {
    try {
      own = build(loadConfig());
    } catch {
      own = undefined;
    }
  }
  return () => {
    const installed = installedDeps();
    if (installed) return installed as D;
    own ??= build(loadConfig());
    return own;
  };
}

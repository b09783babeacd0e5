/**
 * The local runtime's source repository: a git repository the runtime creates on first start
 * (`<data dir>/repository`) from the project's config/, examples/ and build scripts. Runs are
 * pinned to one of its commits when they start, and each build checks that commit out into a
 * clean directory, as CodeBuild checks out a GitHub or CodeCommit source at `sourceVersion`. To
 * change what the example projects plan, commit in that repository.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  SourceRefusedError,
  type SourceResolver,
  sourceRequestProblem,
} from '../functions/core/runs/source.ts';

const run = promisify(execFile);

/** What the repository starts with, copied from the project (symlinks followed). */
const SEEDED = [
  'config',
  'examples',
  'infra/buildspec.yml',
  'infra/fetch-runner.sh',
  'infra/install-tool.sh',
];

/** The branch manual runs build. */
export const LOCAL_DEFAULT_BRANCH = 'main';

/** The repository label runs record. */
const LOCAL_REPOSITORY = 'local';

/** A fixed identity: commits made here are the runtime's own, not the user's. */
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'signoff local runtime',
  GIT_AUTHOR_EMAIL: 'signoff@localhost',
  GIT_COMMITTER_NAME: 'signoff local runtime',
  GIT_COMMITTER_EMAIL: 'signoff@localhost',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

function git(dir: string, args: string[]) {
  return run('git', ['-C', dir, ...args], { env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 });
}

/** Creates the repository with one commit on `main` unless it exists; returns its directory. */
export async function ensureSourceRepository(root: string, dir: string): Promise<string> {
  if (existsSync(join(dir, '.git'))) return dir;
  mkdirSync(dir, { recursive: true });
  for (const path of SEEDED) {
    const from = join(root, path);
    if (existsSync(from)) cpSync(from, join(dir, path), { recursive: true, dereference: true });
  }
  await git(dir, ['init', '--quiet', `--initial-branch=${LOCAL_DEFAULT_BRANCH}`]);
  await git(dir, ['add', '--all']);
  await git(dir, ['commit', '--quiet', '--allow-empty', '-m', 'The example projects, as signoff ships them']);
  return dir;
}

/** The commit `version` (a SHA, branch or tag) names in the repository, or undefined. */
export async function resolveCommit(dir: string, version: string): Promise<string | undefined> {
  try {
    const { stdout } = await git(dir, [
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${version}^{commit}`,
    ]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Resolves what a run builds to a commit of the local repository when it starts. */
export function localGitSource(dir: string): SourceResolver {
  return {
    async resolve(request) {
      const problem = sourceRequestProblem(request);
      if (problem) throw new SourceRefusedError(problem);
      const ref = request.ref ?? (request.commit ? undefined : LOCAL_DEFAULT_BRANCH);
      const commit = await resolveCommit(dir, request.commit ?? (ref as string));
      if (!commit) {
        throw new SourceRefusedError(
          request.commit
            ? `commit ${request.commit} is not in the repository`
            : `no branch or tag named "${ref}" in the repository`,
        );
      }
      return {
        type: 'repository',
        repository: LOCAL_REPOSITORY,
        commit,
        ...(ref ? { ref } : {}),
        checkout: commit,
      };
    },
  };
}

/**
 * Exports `commit` into the empty directory `into`, with nothing of the repository's working
 * tree or index (`git archive`), so concurrent builds of different commits never meet. The
 * project's node_modules is linked in: the local stand-in for a build image with the tools the
 * example projects run.
 */
export async function exportCommit(dir: string, commit: string, into: string, nodeModules?: string) {
  mkdirSync(into, { recursive: true });
  const tar = `${into}.tar`;
  try {
    await git(dir, ['archive', '--format=tar', `--output=${tar}`, commit]);
    await run('tar', ['-xf', tar, '-C', into]);
  } finally {
    rmSync(tar, { force: true });
  }
  if (nodeModules && existsSync(nodeModules)) symlinkSync(nodeModules, join(into, 'node_modules'), 'dir');
}

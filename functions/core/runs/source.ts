/**
 * Which commit a run builds. It is resolved once, when the run starts, from what the trigger
 * names: a merged PR's merge commit, a webhook body's `sha` or `ref`, or the default branch for a
 * manual run. Every build of the run then checks out exactly that commit, so a push made after
 * the run started changes neither its plan nor its apply.
 */
import type { RunSource, Trigger } from '../../../statemachines/contract.ts';

/** What a trigger asks to build; both absent means the default branch. */
export interface SourceRequest {
  commit?: string;
  ref?: string;
}

/** Resolves a request into the run's source; throws SourceRefusedError for one it cannot build. */
export interface SourceResolver {
  resolve(request: SourceRequest): Promise<RunSource>;
}

/** A commit or ref that cannot be built: the start is refused with a 400 carrying the message. */
export class SourceRefusedError extends Error {
  override name = 'SourceRefusedError';
}

const FULL_SHA = /^[0-9a-f]{40}$/;

/**
 * A branch or tag name as `git check-ref-format` accepts it, narrowed to what triggers send:
 * printable ASCII without spaces, `~^:?*[\`, `..`, `@{`, a leading `-` or `/`, or a trailing
 * `/`, `.` or `.lock`. Anything else never reaches git or CodeBuild.
 */
export function refProblem(ref: string): string | undefined {
  if (ref.length === 0 || ref.length > 200) return 'ref must be 1 to 200 characters';
  if (!/^[\x21-\x7e]+$/.test(ref) || /[~^:?*[\\]/.test(ref))
    return 'ref has a character git does not allow in a ref name';
  if (ref.includes('..') || ref.includes('@{') || ref.includes('//'))
    return 'ref must not contain "..", "@{" or "//"';
  if (/^[-/.]/.test(ref) || /[/.]$/.test(ref) || ref.endsWith('.lock'))
    return 'ref must not start with "-", "/" or "." nor end with "/", "." or ".lock"';
  return undefined;
}

/** Checks the request's shape; a commit must be a full SHA (a short one can become ambiguous). */
export function sourceRequestProblem(request: SourceRequest): string | undefined {
  if (request.commit !== undefined && !FULL_SHA.test(request.commit)) {
    return 'sha must be a full 40-character lowercase hex commit SHA';
  }
  if (request.ref !== undefined) {
    const problem = refProblem(request.ref);
    if (problem) return problem;
  }
  return undefined;
}

/** What a trigger asks to build: a merged PR names its merge commit; the others what they were given. */
export function sourceRequestOf(trigger: Trigger, requested: SourceRequest = {}): SourceRequest {
  if (trigger.type === 'github') return { commit: trigger.pr.merge_commit, ref: trigger.branch };
  return requested;
}

/**
 * Builds from a repository whose branches only the build can read (GitHub through an AWS
 * CodeConnections connection, or CodeCommit): a commit is pinned as given; a ref is handed to the
 * run's first build, whose resolved commit every later build uses.
 */
export function remoteRepositorySource(options: {
  repository: string;
  defaultBranch: string;
}): SourceResolver {
  return {
    async resolve(request) {
      const problem = sourceRequestProblem(request);
      if (problem) throw new SourceRefusedError(problem);
      const ref = request.ref ?? (request.commit ? undefined : options.defaultBranch);
      return {
        type: 'repository',
        repository: options.repository,
        ...(request.commit ? { commit: request.commit } : {}),
        ...(ref ? { ref } : {}),
        checkout: request.commit ?? (ref as string),
      };
    },
  };
}

/** No repository configured: builds use the deploy-time snapshot, and the run says so. */
export const snapshotSource: SourceResolver = {
  async resolve(request) {
    const problem = sourceRequestProblem(request);
    if (problem) throw new SourceRefusedError(problem);
    return { type: 'snapshot', ...(request.commit ? { requested_commit: request.commit } : {}) };
  },
};

/** The commit a run built or builds, once known. */
export function builtCommit(source: RunSource | undefined, data?: { source?: { commit?: string } }) {
  if (source?.type !== 'repository') return undefined;
  return source.commit ?? data?.source?.commit;
}

/** How a run's source reads on pages, in Slack and in email: a short SHA, linked when on GitHub. */
export function describeSource(
  source: RunSource | undefined,
  data?: { source?: { commit?: string } },
): { text: string; commit?: string; url?: string } | undefined {
  if (!source) return undefined;
  if (source.type === 'snapshot') {
    return {
      text: source.requested_commit
        ? `deploy-time snapshot (not commit ${source.requested_commit.slice(0, 7)}: no repository is configured)`
        : 'deploy-time snapshot (no repository is configured)',
    };
  }
  const commit = builtCommit(source, data);
  const where = source.ref ? ` on ${source.ref}` : '';
  if (!commit) return { text: `${source.ref ?? source.checkout} (commit resolved by the first build)` };
  const url = /^[\w.-]+\/[\w.-]+$/.test(source.repository)
    ? `https://github.com/${source.repository}/commit/${commit}`
    : undefined;
  return { text: `${commit.slice(0, 7)}${where}`, commit, ...(url ? { url } : {}) };
}

/** The commit (or the snapshot) an audit event's details name. */
export function sourceDetails(
  source: RunSource | undefined,
  data?: { source?: { commit?: string } },
): { commit?: string; source?: 'snapshot' } {
  if (source?.type === 'snapshot') return { source: 'snapshot' };
  const commit = builtCommit(source, data);
  return commit ? { commit } : {};
}

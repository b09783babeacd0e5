/**
 * GitHub webhook payloads, parsed into what signoff acts on: a ping, a pull request merged into
 * a branch, one opened or pushed to (for the workflows run before the merge), or something it
 * ignores (with the reason). Only the fields signoff reads are checked.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { label } from '../../../statemachines/zod-problems.ts';

/**
 * A pull request as the github trigger records it: merged (`merge_commit` is its merge commit), or
 * open (`merge_commit` is its head commit, the one a push just made).
 */
export interface MergedPullRequest {
  repository: string;
  branch: string;
  pr: { number: number; title: string; author: string; merge_commit: string; url: string };
}

/** The pull request actions that (re)start the workflows run before the merge. */
const OPEN_ACTIONS = new Set(['opened', 'synchronize', 'reopened']);

/** What a delivery means to signoff. */
export type GithubEvent =
  | { kind: 'ping'; zen?: string; hook_id?: number }
  | ({ kind: 'merged' } & MergedPullRequest)
  | ({ kind: 'pull_request' } & MergedPullRequest)
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; problems: string[] };

const pullRequestEvent = z.object({
  action: z.string().check(z.minLength(1)),
  pull_request: z.object({
    number: z.int().check(z.positive()),
    title: z.string().check(z.maxLength(1024)),
    html_url: z.url({ protocol: /^https?$/ }),
    merged: z.optional(z.nullable(z.boolean())),
    merge_commit_sha: z.optional(z.nullable(z.string())),
    user: z.object({ login: z.string().check(z.minLength(1), z.maxLength(100)) }),
    base: z.object({ ref: z.string().check(z.minLength(1), z.maxLength(255)) }),
    head: z.optional(z.object({ sha: z.string().check(z.regex(/^[0-9a-f]{40}$/)) })),
  }),
  repository: z.object({ full_name: z.string().check(z.regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/)) }),
});

const pingEvent = z.object({
  zen: z.optional(z.string()),
  hook_id: z.optional(z.number()),
});

/** Parses a delivery's JSON body (the content type is checked before); never throws. */
export function decodeGithubBody(
  body: Buffer,
): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false, message: 'the body is not valid JSON' };
  }
}

/** Parses a delivery's payload given its `X-GitHub-Event` name; never throws. */
export function parseGithubEvent(eventName: string, payload: unknown): GithubEvent {
  if (eventName === 'ping') {
    const ping = pingEvent.safeParse(payload);
    return ping.success ? { kind: 'ping', ...ping.data } : { kind: 'ping' };
  }
  if (eventName !== 'pull_request') {
    return {
      kind: 'ignored',
      reason: `"${eventName}" events do not start runs; only merged pull requests do`,
    };
  }
  const parsed = pullRequestEvent.safeParse(payload);
  if (!parsed.success) {
    return {
      kind: 'invalid',
      problems: parsed.error.issues.map(
        (issue) =>
          `${label(issue.path.filter((p): p is string | number => typeof p !== 'symbol'))}: ${issue.message}`,
      ),
    };
  }
  const { action, pull_request: pr, repository } = parsed.data;
  if (OPEN_ACTIONS.has(action)) {
    if (!pr.head)
      return { kind: 'invalid', problems: ['pull_request.head.sha: an open pull request needs one'] };
    return {
      kind: 'pull_request',
      repository: repository.full_name,
      branch: pr.base.ref,
      pr: { ...describePr(pr), merge_commit: pr.head.sha },
    };
  }
  if (action !== 'closed') {
    return { kind: 'ignored', reason: `pull request #${pr.number} was ${action}, not merged` };
  }
  if (pr.merged !== true) {
    return { kind: 'ignored', reason: `pull request #${pr.number} was closed without merging` };
  }
  if (!pr.merge_commit_sha) {
    return { kind: 'invalid', problems: ['pull_request.merge_commit_sha: a merged pull request needs one'] };
  }
  return {
    kind: 'merged',
    repository: repository.full_name,
    branch: pr.base.ref,
    pr: { ...describePr(pr), merge_commit: pr.merge_commit_sha },
  };
}

/** What a run records of its pull request, but the commit it builds. */
function describePr(pr: { number: number; title: string; user: { login: string }; html_url: string }) {
  return { number: pr.number, title: pr.title, author: pr.user.login, url: pr.html_url };
}

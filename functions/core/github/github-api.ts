/**
 * The GitHub REST calls signoff makes to report a run: a check run on the run's commit and one
 * comment on its pull request, each created once and then edited in place.
 */
import type { components } from '@octokit/openapi-types';
import { SignoffError } from '../errors.ts';

/** GitHub's limit on a check run's `output.summary` and `output.text`, and on a comment's body. */
export const GITHUB_TEXT_LIMIT = 65_535;

type CheckRun = components['schemas']['check-run'];

/** What signoff sets on a check run; the field names and values are GitHub's. */
export interface CheckRunFields {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: Extract<NonNullable<CheckRun['conclusion']>, 'success' | 'failure' | 'cancelled' | 'neutral'>;
  details_url: string;
  external_id: string;
  started_at?: string;
  completed_at?: string;
  output: { title: string; summary: string; text?: string };
}

/** A repository as `owner/name`. */
export type RepositoryName = string;

/** The calls, each as the GitHub App's installation on the repository. */
export interface GitHubApi {
  /** Creates a check run on `headSha`; returns its id. */
  createCheckRun(repository: RepositoryName, headSha: string, check: CheckRunFields): Promise<number>;
  updateCheckRun(repository: RepositoryName, checkRunId: number, check: CheckRunFields): Promise<void>;
  /** Comments on a pull request (an issue, to the REST API); returns the comment's id. */
  createComment(repository: RepositoryName, pullNumber: number, body: string): Promise<number>;
  updateComment(repository: RepositoryName, commentId: number, body: string): Promise<void>;
}

/**
 * A call GitHub refused or could not answer. `retryAfterSeconds` is when GitHub says to try again
 * (`retry-after`, or `x-ratelimit-reset` with no requests left); the message never holds a token.
 */
export class GitHubApiError extends SignoffError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

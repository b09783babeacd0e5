/**
 * The request bodies the fake GitHub API accepts, tied to `@octokit/openapi-types` (GitHub's own
 * OpenAPI description): the types check at compile time that every field and enum value named here
 * is GitHub's, and `check*` enforce the required fields, enums and length limits at run time,
 * answering what GitHub answers: 422 "Validation Failed" with one error per problem
 * (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#validation-failed).
 */
import type { operations } from '@octokit/openapi-types';
import { GITHUB_TEXT_LIMIT } from '../../functions/core/github/github-api.ts';

export type CreateCheckRunBody = operations['checks/create']['requestBody']['content']['application/json'];
export type UpdateCheckRunBody = operations['checks/update']['requestBody']['content']['application/json'];
export type CommentBody = operations['issues/create-comment']['requestBody']['content']['application/json'];

type Status = NonNullable<CreateCheckRunBody['status']>;
type Conclusion = NonNullable<CreateCheckRunBody['conclusion']>;

// Records keyed by GitHub's enums: the compiler refuses a value missing or not GitHub's.
const STATUSES: Record<Status, true> = { queued: true, in_progress: true, completed: true };
const CONCLUSIONS: Record<Conclusion, true> = {
  action_required: true,
  cancelled: true,
  failure: true,
  neutral: true,
  success: true,
  skipped: true,
  stale: true,
  timed_out: true,
};

function isOneOf(values: Record<string, true>, value: unknown): boolean {
  return typeof value === 'string' && Object.hasOwn(values, value);
}

/** One entry of a 422's `errors`, as GitHub words them. */
export interface ValidationError {
  resource: string;
  field: string;
  code: 'missing_field' | 'invalid' | 'custom';
  message?: string;
}

type Body = Record<string, unknown>;

/** Problems with a create-check-run body (`name` and `head_sha` are required). */
export function checkCreateCheckRun(body: Body): ValidationError[] {
  const problems = checkCheckRunFields(body);
  for (const field of ['name', 'head_sha'] as const satisfies readonly (keyof CreateCheckRunBody)[]) {
    if (typeof body[field] !== 'string' || body[field] === '')
      problems.push({ resource: 'CheckRun', field, code: 'missing_field' });
  }
  return problems;
}

/** Problems with an update-check-run body (every field optional; `head_sha` cannot change). */
export function checkUpdateCheckRun(body: Body): ValidationError[] {
  const problems = checkCheckRunFields(body);
  if ('head_sha' in body) problems.push({ resource: 'CheckRun', field: 'head_sha', code: 'invalid' });
  return problems;
}

/** Problems with a comment body: required, at most 65,535 characters. */
export function checkComment(body: Body): ValidationError[] {
  const text = (body as Partial<CommentBody>).body;
  if (typeof text !== 'string' || text === '')
    return [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }];
  if (text.length > GITHUB_TEXT_LIMIT)
    return [
      {
        resource: 'IssueComment',
        field: 'body',
        code: 'custom',
        message: `body is too long (maximum is ${GITHUB_TEXT_LIMIT} characters)`,
      },
    ];
  return [];
}

function checkCheckRunFields(body: Body): ValidationError[] {
  const problems: ValidationError[] = [];
  const invalid = (field: string, message?: string) =>
    problems.push({
      resource: 'CheckRun',
      field,
      code: message ? 'custom' : 'invalid',
      ...(message ? { message } : {}),
    });
  if (body.status !== undefined && !isOneOf(STATUSES, body.status)) invalid('status');
  if (body.conclusion !== undefined && !isOneOf(CONCLUSIONS, body.conclusion)) invalid('conclusion');
  // "Required if you provide completed_at or a status of completed" (Create a check run).
  if (body.status === 'completed' && body.conclusion === undefined)
    invalid('conclusion', 'conclusion is required when status is completed');
  for (const field of ['details_url', 'external_id', 'started_at', 'completed_at'] as const) {
    if (body[field] !== undefined && typeof body[field] !== 'string') invalid(field);
  }
  if (body.output !== undefined) {
    const output = body.output as Partial<NonNullable<CreateCheckRunBody['output']>> | null;
    if (typeof output !== 'object' || output === null) invalid('output');
    else {
      for (const field of ['title', 'summary'] as const) {
        if (typeof output[field] !== 'string' || output[field] === '')
          problems.push({ resource: 'CheckRun', field: `output.${field}`, code: 'missing_field' });
      }
      for (const field of ['summary', 'text'] as const) {
        const value = output[field];
        if (typeof value === 'string' && value.length > GITHUB_TEXT_LIMIT)
          invalid(`output.${field}`, `${field} is too long (maximum is ${GITHUB_TEXT_LIMIT} characters)`);
      }
    }
  }
  return problems;
}

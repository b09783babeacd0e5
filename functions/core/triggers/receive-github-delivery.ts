/**
 * The GitHub trigger: verifies a delivery's signature before reading it, answers pings, and starts
 * every workflow whose github trigger matches a merged pull request, once per merge (repository,
 * pull request, merge commit), however often or under whichever delivery id it is sent; and the
 * workflows run before the merge once per commit pushed to an open pull request.
 */
import type { Workflow } from '../../../statemachines/schema.ts';
import { logOf } from '../approval/approval-deps.ts';
import { startRun } from '../runs/start-run.ts';
import { checkSignature } from './check-signature.ts';
import { decodeGithubBody, type MergedPullRequest, parseGithubEvent } from './github-event.ts';
import { matchGithubWorkflows } from './match-github-workflows.ts';
import { runUrl, type TriggerDeps } from './trigger-deps.ts';
import { refuse, refuseUnlessJson, type TriggerRequest, type TriggerResponse } from './trigger-request.ts';

/** The Secrets name of the GitHub webhook secret. */
export const GITHUB_SECRET_NAME = 'github-webhook-secret';

/** GitHub caps payloads at 25 MB; a pull_request event is tens of KB, so 1 MB is generous. */
export const MAX_GITHUB_BODY_BYTES = 1024 * 1024;

/** GitHub's delivery ids are GUIDs; accept any short printable token. */
const DELIVERY_ID = /^[\x21-\x7e]{1,200}$/;
const EVENT_NAME = /^[a-z_]{1,100}$/;

/** One workflow's outcome for a delivery. */
interface RunEntry {
  workflow: string;
  run_id: string;
  run_url: string;
}

/** Handles one delivery to `POST /webhooks/github`. */
export async function receiveGithubDelivery(
  deps: TriggerDeps,
  request: TriggerRequest,
): Promise<TriggerResponse> {
  if (request.body.length > MAX_GITHUB_BODY_BYTES) {
    return refuse(413, `the body is larger than ${MAX_GITHUB_BODY_BYTES} bytes`);
  }
  const notJson = refuseUnlessJson(request);
  if (notJson) return notJson;
  const signed = await checkSignature(deps, request, {
    secretName: GITHUB_SECRET_NAME,
    header: 'X-Hub-Signature-256',
    missingSecretWarning: 'github webhook secret is not set; refusing the delivery',
  });
  if (signed.refused) return signed.refused;

  const delivery = request.header('x-github-delivery')?.trim();
  if (!delivery || !DELIVERY_ID.test(delivery)) {
    return refuse(400, 'X-GitHub-Delivery is missing or not a delivery id');
  }
  const eventName = request.header('x-github-event')?.trim();
  if (!eventName || !EVENT_NAME.test(eventName)) {
    return refuse(400, 'X-GitHub-Event is missing or not an event name');
  }
  const decoded = decodeGithubBody(request.body);
  if (!decoded.ok) return refuse(400, decoded.message);

  const event = parseGithubEvent(eventName, decoded.value);
  switch (event.kind) {
    case 'ping':
      return {
        status: 200,
        body: { ok: true, event: 'ping', delivery, ...(event.zen ? { zen: event.zen } : {}) },
      };
    case 'invalid':
      return { status: 400, body: { message: `not a pull_request payload: ${event.problems.join('; ')}` } };
    case 'ignored':
      logOf(deps).info('github delivery ignored', { delivery, event: eventName, reason: event.reason });
      return accepted(delivery, { reason: event.reason });
    case 'merged':
      return startMatching(deps, delivery, event, 'merged');
    case 'pull_request':
      return startMatching(deps, delivery, event, 'pull_request');
  }
}

function accepted(delivery: string, extra: Record<string, unknown>): TriggerResponse {
  return { status: 202, body: { delivery, started: [], duplicate: [], ...extra } };
}

async function startMatching(
  deps: TriggerDeps,
  delivery: string,
  merged: MergedPullRequest,
  on: 'merged' | 'pull_request',
): Promise<TriggerResponse> {
  const workflows = matchGithubWorkflows(deps.workflows.all(), merged.repository, merged.branch, on);
  if (workflows.length === 0) {
    const what = on === 'merged' ? 'merges into' : 'pull requests against';
    const reason = `no workflow is triggered by ${what} ${merged.branch} of ${merged.repository}`;
    logOf(deps).info('github delivery ignored', { delivery, reason });
    return accepted(delivery, { reason });
  }
  const started: RunEntry[] = [];
  const duplicate: RunEntry[] = [];
  const refused: { workflow: string; message: string }[] = [];
  const failed: { workflow: string }[] = [];
  for (const workflow of workflows) {
    try {
      const outcome = await startOne(deps, delivery, merged, workflow, on);
      if (outcome.kind === 'refused') refused.push({ workflow: workflow.name, message: outcome.message });
      else {
        const entry = {
          workflow: workflow.name,
          run_id: outcome.run.id,
          run_url: runUrl(deps, outcome.run.id),
        };
        (outcome.kind === 'started' ? started : duplicate).push(entry);
      }
    } catch (error) {
      // One workflow that cannot start does not keep the others from starting.
      logOf(deps).error('github delivery could not start a run', {
        delivery,
        workflow: workflow.name,
        error: (error as Error).name,
        message: (error as Error).message,
      });
      failed.push({ workflow: workflow.name });
    }
  }
  logOf(deps).info('github delivery handled', {
    delivery,
    repository: merged.repository,
    branch: merged.branch,
    pr: merged.pr.number,
    started: started.map((s) => s.run_id),
    duplicate: duplicate.map((s) => s.run_id),
    refused: refused.map((r) => r.workflow),
    failed: failed.map((f) => f.workflow),
  });
  const body = { delivery, started, duplicate, ...(refused.length ? { refused } : {}) };
  if (failed.length > 0) {
    return {
      status: 500,
      body: { ...body, failed, message: `could not start ${failed.map((f) => f.workflow).join(', ')}` },
    };
  }
  return { status: 202, body };
}

function startOne(
  deps: TriggerDeps,
  delivery: string,
  merged: MergedPullRequest,
  workflow: Workflow,
  on: 'merged' | 'pull_request',
) {
  return startRun(deps, {
    workflow: workflow.name,
    trigger: {
      type: 'github',
      delivery,
      repository: merged.repository,
      branch: merged.branch,
      pr: { ...merged.pr },
      ...(on === 'pull_request' ? { event: 'pull_request' as const } : {}),
    },
    actor: { email: `github:${merged.pr.author}`, name: merged.pr.author },
    // A push to an open pull request is a new commit, so a new run; a redelivery of it is not.
    dedupKey: on === 'merged' ? mergeKey(merged) : `${mergeKey(merged)}:pull_request`,
  });
}

/**
 * What makes a merge start a run once: the repository, the pull request and its merge commit
 * (with the workflow, in the run id). Not the delivery id, which GitHub does not sign: the same
 * signed body re-sent under a new X-GitHub-Delivery is the same merge, and starts nothing.
 */
export function mergeKey(merged: MergedPullRequest): string {
  return `github:${merged.repository.toLowerCase()}#${merged.pr.number}@${merged.pr.merge_commit}`;
}

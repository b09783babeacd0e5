/**
 * One Slack interaction request, from raw body to acknowledgement: verify the signature first,
 * parse, map the user, cast the vote, then tell a refused clicker why (ephemeral), within a time
 * budget so the ack stays well inside Slack's 3 seconds. A counted vote's messages are updated by
 * the notifier that does the vote's owed work: the drainer after the ack (`voteEffects: 'outbox'`,
 * as deployed), or castVote itself (inline).
 */
import { type CastVoteDeps, logOf } from '../approval/approval-deps.ts';
import { castVote, type VoteOutcome } from '../approval/cast-vote.ts';
import type { Secrets } from '../ports.ts';
import { parseSlackInteraction, type SlackVoteClick } from './parse-slack-interaction.ts';
import type { SlackApi } from './slack-api.ts';
import { verifySlackSignature } from './slack-signature.ts';
import { resolveSlackVoter, type SlackVoter } from './slack-voter.ts';

/** The Secrets name of the Slack app's signing secret. */
export const SLACK_SIGNING_SECRET = 'slack-signing-secret';

/** Default time the ephemeral answer to a refused click gets before the ack goes out. */
export const FOLLOW_UP_BUDGET_MS = 1500;

/** What the handler adds to a vote channel's deps. */
interface SlackParts {
  secrets: Pick<Secrets, 'get'>;
  slack: SlackApi;
  /** How long follow-ups may run before the answer is returned anyway. */
  followUpBudgetMs?: number;
  /** signoff's base URL, for the sign-in link of a click refused for want of one. */
  publicUrl?: string;
}

/** What the use case needs: the vote deps (inline, or the drainer's outbox), the secrets, the Slack port. */
export type SlackInteractionDeps = CastVoteDeps & SlackParts;

/** The request as received: lower-case header names and the raw (already base64-decoded) body. */
export interface SlackRequest {
  headers: Record<string, string | undefined>;
  rawBody: string;
}

/** The HTTP answer: 200 is the ack; anything else carries a message for the caller. */
export interface SlackAnswer {
  status: number;
  message?: string;
  /** What was done, for logs and tests (never sent to Slack). */
  outcome?: VoteOutcome | { kind: 'ignored'; reason: string };
}

/** Handles one interaction request; never throws for bad input, only for a broken store. */
export async function handleSlackInteraction(
  deps: SlackInteractionDeps,
  request: SlackRequest,
): Promise<SlackAnswer> {
  const log = logOf(deps);
  const secret = await deps.secrets.get(SLACK_SIGNING_SECRET);
  if (!secret) {
    log.error('slack signing secret is not set; refusing every interaction', {});
    return { status: 503, message: 'Slack interactions are not configured' };
  }
  const check = verifySlackSignature({
    timestamp: request.headers['x-slack-request-timestamp'],
    signature: request.headers['x-slack-signature'],
    rawBody: request.rawBody,
    secret,
    now: deps.now(),
  });
  if (!check.ok) {
    log.warn('slack request refused', { reason: check.reason });
    return { status: 401, message: check.reason };
  }
  const interaction = parseSlackInteraction(request.rawBody);
  if (interaction.kind === 'invalid') return { status: interaction.status, message: interaction.message };
  if (interaction.kind === 'ignored') return { status: 200, outcome: interaction };

  const voter = await resolveSlackVoter(deps.directory, interaction.userId, (id) =>
    deps.slack.lookupEmail(id),
  );
  // A click Slack re-sends (or anyone replays inside the signature's window) is the same vote:
  // castVote answers it as the first time, without counting or auditing it again.
  const outcome = await castVote(deps, {
    gateId: interaction.gateId,
    voter: voter.email,
    decision: interaction.decision,
    channel: 'slack',
  });
  if (outcome.kind !== 'counted' && interaction.channelId) {
    const text = refusalText(outcome, voter, interaction, deps.publicUrl);
    const channel = interaction.channelId;
    await followUp(deps, deps.slack.postEphemeral(channel, interaction.userId, text));
  }
  return { status: 200, outcome };
}

/** What the clicker reads when their vote was not counted. */
export function refusalText(
  outcome: Extract<VoteOutcome, { kind: 'refused' }>,
  voter: SlackVoter,
  click: Pick<SlackVoteClick, 'userId' | 'decision'>,
  publicUrl?: string,
): string {
  const verb = click.decision === 'approve' ? 'approval' : 'rejection';
  if (outcome.code === 'unknown_user' && voter.via === 'unknown') {
    return (
      `:no_entry: Your ${verb} was not counted: your Slack account (<@${click.userId}>) is not linked to anyone ` +
      `in the signoff directory. Ask an admin to add \`slack: ${click.userId}\` to your entry in ` +
      'config/directory.yaml, or use the same email in Slack and in the directory.'
    );
  }
  const signin =
    publicUrl && outcome.signin_path ? ` <${publicUrl}${outcome.signin_path}|Sign in to signoff>` : '';
  return `:no_entry: Your ${verb} was not counted. ${outcome.reason}${signin}`;
}

/** Runs a follow-up for at most the budget; its failure is logged by name, never thrown. */
async function followUp(deps: SlackInteractionDeps, work: Promise<void>): Promise<void> {
  const budget = deps.followUpBudgetMs ?? FOLLOW_UP_BUDGET_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budget);
  });
  try {
    const result = await Promise.race([work.then(() => 'done' as const), late]);
    if (result === 'late')
      logOf(deps).warn('slack follow-up still running at ack time', { budget_ms: budget });
  } catch (error) {
    logOf(deps).error('slack follow-up failed', {
      error: error instanceof Error ? error.name : typeof error,
    });
  } finally {
    clearTimeout(timer);
  }
  // A late follow-up may still fail after the ack; keep that from being an unhandled rejection.
  work.catch(() => {});
}

/**
 * Parses Slack's interaction request body (`payload=<JSON>`, form-urlencoded) into the one thing
 * signoff acts on: a click on Approve or Reject. Anything else is either ignored (acked) or a 400.
 */
import { z } from 'zod';
import { isGateId } from '../approval/gate.ts';
import { decisionOfAction } from './slack-actions.ts';

/** A click on one of signoff's vote buttons. */
export interface SlackVoteClick {
  kind: 'vote';
  gateId: string;
  decision: 'approve' | 'reject';
  /** The Slack user who clicked. */
  userId: string;
  teamId?: string;
  /** Where the clicked message is (for the ephemeral answer). */
  channelId?: string;
  messageTs?: string;
  /** Slack's `action_ts`: the same click retried by Slack carries the same value. */
  actionTs?: string;
}

/** What `parseSlackInteraction` found: a vote, something to ack and ignore, or a bad request. */
export type SlackInteraction =
  | SlackVoteClick
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; status: 400; message: string };

const slackId = z.string().min(1).max(64);

const actionSchema = z.looseObject({
  action_id: z.string().max(255),
  value: z.string().max(2000).optional(),
  action_ts: z.string().max(64).optional(),
});

const blockActionsSchema = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id: slackId, team_id: slackId.optional() }),
  team: z.looseObject({ id: slackId }).nullish(),
  channel: z.looseObject({ id: slackId }).nullish(),
  container: z.looseObject({ message_ts: z.string().max(64).optional() }).nullish(),
  message: z.looseObject({ ts: z.string().max(64).optional() }).nullish(),
  actions: z.array(actionSchema).min(1).max(25),
});

const envelope = z.looseObject({ type: z.string().max(64) });

function invalid(message: string): SlackInteraction {
  return { kind: 'invalid', status: 400, message };
}

/** Parses a verified request body; never throws. */
export function parseSlackInteraction(rawBody: string): SlackInteraction {
  let payloadText: string | null;
  try {
    payloadText = new URLSearchParams(rawBody).get('payload');
  } catch {
    return invalid('the body is not form-urlencoded');
  }
  if (payloadText === null) return invalid('the body has no payload field');
  let json: unknown;
  try {
    json = JSON.parse(payloadText);
  } catch {
    return invalid('payload is not JSON');
  }
  const head = envelope.safeParse(json);
  if (!head.success) return invalid('payload has no type');
  if (head.data.type !== 'block_actions') {
    return { kind: 'ignored', reason: `interaction type ${head.data.type} is not handled` };
  }
  const parsed = blockActionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(
      `block_actions payload: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  const payload = parsed.data;
  const action = payload.actions.find((a) => decisionOfAction(a.action_id) !== undefined);
  if (!action) return { kind: 'ignored', reason: 'not a signoff vote button' };
  const decision = decisionOfAction(action.action_id) as 'approve' | 'reject';
  if (!action.value || !isGateId(action.value)) return invalid('the button value is not a gate id');
  const teamId = payload.user.team_id ?? payload.team?.id;
  const messageTs = payload.container?.message_ts ?? payload.message?.ts;
  return {
    kind: 'vote',
    gateId: action.value,
    decision,
    userId: payload.user.id,
    ...(teamId ? { teamId } : {}),
    ...(payload.channel?.id ? { channelId: payload.channel.id } : {}),
    ...(messageTs ? { messageTs } : {}),
    ...(action.action_ts ? { actionTs: action.action_ts } : {}),
  };
}

/**
 * Parses Slack's interaction request body (`payload=<JSON>`, form-urlencoded) into the one thing
 * signoff acts on: a click on Approve or Reject. Anything else is either ignored (acked) or a 400.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
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

const slackId = z.string().check(z.minLength(1), z.maxLength(64));
const shortString = z.string().check(z.maxLength(64));

const actionSchema = z.looseObject({
  action_id: z.string().check(z.maxLength(255)),
  value: z.optional(z.string().check(z.maxLength(2000))),
  action_ts: z.optional(shortString),
});

const blockActionsSchema = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id: slackId, team_id: z.optional(slackId) }),
  team: z.nullish(z.looseObject({ id: slackId })),
  channel: z.nullish(z.looseObject({ id: slackId })),
  container: z.nullish(z.looseObject({ message_ts: z.optional(shortString) })),
  message: z.nullish(z.looseObject({ ts: z.optional(shortString) })),
  actions: z.array(actionSchema).check(z.minLength(1), z.maxLength(25)),
});

const envelope = z.looseObject({ type: shortString });

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

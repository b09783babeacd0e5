/**
 * A button click as Slack sends it: the `block_actions` payload and the signed form post, so the
 * local inbox, the tests and the benchmark drive `/slack/interactions` through the same checks.
 */
import { randomUUID } from 'node:crypto';
import { signSlackRequest } from '../../functions/core/slack/slack-signature.ts';

/** What was clicked, by whom, on which message. */
export interface SlackClick {
  userId: string;
  userName?: string;
  actionId: string;
  /** The button's value (signoff's buttons carry the gate id). */
  value: string;
  channel: string;
  messageTs: string;
  teamId?: string;
  /** Slack's `action_ts`; generated when absent. */
  actionTs?: string;
}

/** The `block_actions` payload Slack posts for a click. */
export function blockActionsPayload(click: SlackClick): Record<string, unknown> {
  const team = click.teamId ?? 'TLOCAL';
  return {
    type: 'block_actions',
    api_app_id: 'ALOCAL',
    team: { id: team, domain: 'local' },
    user: { id: click.userId, username: click.userName ?? click.userId, team_id: team },
    container: {
      type: 'message',
      message_ts: click.messageTs,
      channel_id: click.channel,
      is_ephemeral: false,
    },
    trigger_id: randomUUID(),
    channel: { id: click.channel },
    message: { type: 'message', ts: click.messageTs },
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: 'signoff_vote',
        value: click.value,
        action_ts: click.actionTs ?? (Date.now() / 1000).toFixed(6),
      },
    ],
  };
}

/** A signed interaction request: headers and the form body (`payload=<JSON>`). */
export interface SignedSlackRequest {
  headers: Record<string, string>;
  body: string;
}

/** Encodes a payload as Slack does and signs it with the signing secret at `now` (ms). */
export function signedInteraction(
  secret: string,
  payload: unknown,
  now: number = Date.now(),
): SignedSlackRequest {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(now / 1000));
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(secret, timestamp, body),
    },
    body,
  };
}

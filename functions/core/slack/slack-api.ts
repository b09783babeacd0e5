/** The port the Slack interaction use case answers through (the Slack Web API in production). */
import type { Gate } from '../ports.ts';

/** The few Slack calls a vote click needs. */
export interface SlackApi {
  /** The email on the Slack user's profile (`users.info`), or undefined when Slack does not give one. */
  lookupEmail(userId: string): Promise<string | undefined>;
  /** Posts a message only that user sees, in that channel (`chat.postEphemeral`). */
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  /** Updates every message posted about the gate to show its current state (`chat.update`). */
  refresh(gate: Gate): Promise<void>;
}

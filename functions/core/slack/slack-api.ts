/** The port the Slack interaction use case answers through (the Slack Web API in production). */

/**
 * The few Slack calls a vote click needs before its ack. The messages are updated after the ack,
 * by the notifier that drains the vote's outbox.
 */
export interface SlackApi {
  /** The email on the Slack user's profile (`users.info`), or undefined when Slack does not give one. */
  lookupEmail(userId: string): Promise<string | undefined>;
  /** Posts a message only that user sees, in that channel (`chat.postEphemeral`). */
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
}

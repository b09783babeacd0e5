/**
 * The SlackApi port on the Slack Web API: profile emails (`users.info`, cached briefly) and
 * ephemeral answers (`chat.postEphemeral`).
 */
import type { Clock } from '../core/ports.ts';
import type { SlackApi } from '../core/slack/slack-api.ts';
import type { SlackClientProvider } from './slack-client.ts';

/** How long a looked-up email is reused: profile emails rarely change, and clicks come in bursts. */
const EMAIL_TTL_MS = 10 * 60_000;
const EMAIL_CACHE_MAX = 1000;

function slackErrorOf(error: unknown): unknown {
  return (error as { data?: { error?: unknown } } | undefined)?.data?.error;
}

/** SlackApi backed by the Slack Web API client. */
export class SlackWebApi implements SlackApi {
  private readonly emails = new Map<string, { email: string | undefined; until: number }>();

  constructor(
    private readonly client: SlackClientProvider,
    private readonly now: Clock = Date.now,
  ) {}

  async lookupEmail(userId: string): Promise<string | undefined> {
    const hit = this.emails.get(userId);
    if (hit && hit.until > this.now()) return hit.email;
    const client = await this.client();
    if (!client) return undefined;
    let email: string | undefined;
    try {
      const info = await client.users.info({ user: userId });
      email = info.user?.profile?.email || undefined;
    } catch (error) {
      // Another workspace's user, or a deleted one: nobody signoff knows. Other failures are real.
      if (slackErrorOf(error) !== 'user_not_found') throw error;
    }
    if (this.emails.size >= EMAIL_CACHE_MAX) this.emails.clear();
    this.emails.set(userId, { email, until: this.now() + EMAIL_TTL_MS });
    return email;
  }

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    const client = await this.client();
    if (!client) return;
    await client.chat.postEphemeral({ channel, user, text });
  }
}

/**
 * Maps the Slack user who clicked to a directory user: by the `slack` id in the directory,
 * else by the email on their Slack profile.
 */
import type { Directory } from '../../../statemachines/schema.ts';
import { findUser } from '../approval/directory.ts';

/** Who clicked, as signoff knows them: the email castVote gets, and how it was found. */
export interface SlackVoter {
  /** The directory email, the Slack profile email, or `slack:<user id>` when neither is known. */
  email: string;
  via: 'slack_id' | 'email' | 'unknown';
}

/** Resolves a Slack user id; `lookupEmail` is only called when the directory has no such id. */
export async function resolveSlackVoter(
  directory: Directory,
  userId: string,
  lookupEmail: (userId: string) => Promise<string | undefined>,
): Promise<SlackVoter> {
  // People listed without a role (their role comes from their IdP groups) have Slack ids too.
  const byId = [...directory.users, ...(directory.profiles ?? [])].find((u) => u.slack === userId);
  if (byId) return { email: byId.email, via: 'slack_id' };
  const email = await lookupEmail(userId);
  if (email) return { email: findUser(directory, email)?.email ?? email, via: 'email' };
  return { email: `slack:${userId}`, via: 'unknown' };
}

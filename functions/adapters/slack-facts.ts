/**
 * Slack mrkdwn helpers: escaping (so a resource, workflow or reason cannot inject mentions or
 * links), truncation to Block Kit's limits, and dates shown in each reader's time zone.
 */
import { formatAbsolute } from '../core/approval/approval-view.ts';

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A time Slack shows in each reader's own time zone, with the UTC text as fallback. */
export function slackDate(iso: string, fallback: string = formatAbsolute(iso)): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${escapeMrkdwn(fallback)}>`;
}

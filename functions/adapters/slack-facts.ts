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

/** Block Kit's limit on a text object's characters (a section's text, a field, a context element). */
export const SLACK_TEXT_LIMIT = 3000;

/**
 * Joins as many items as fit in `max` characters, ending with `…and N more` for those left out,
 * so a long list (a large plan, a big team) stays inside a Block Kit text object.
 */
export function fitList(items: string[], separator: string, max: number): string {
  const whole = items.join(separator);
  if (whole.length <= max) return whole;
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const next = (out ? separator : '') + (items[i] as string);
    const left = items.length - i - 1;
    // Room for this item, and for the "…and N more" a later item may still need.
    const tail = left > 0 ? `${separator}…and ${left} more`.length : 0;
    if (out.length + next.length + tail > max) {
      const more = `…and ${items.length - i} more`;
      return out ? `${out}${separator}${more}` : truncate(more, max);
    }
    out += next;
  }
  return out;
}

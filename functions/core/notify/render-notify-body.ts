/** The body an http step sends: its template filled from the run summary, or a JSON run summary. */
import type { NotifyInput } from '../../../statemachines/contract.ts';
import { buildRunSummary, renderTemplate } from '../../../statemachines/placeholders.ts';
import { describeNotifyOutcome } from './notify-outcome.ts';

/** A rendered body and the content type it goes with. */
export interface NotifyBody {
  body: string;
  contentType: string;
}

/** A value escaped for use inside a JSON string literal. */
export function jsonStringContent(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * Slack reads `&`, `<` and `>` in message text as markup (`<!channel>` pings everyone,
 * `<https://evil|click>` is a disguised link) and says to escape exactly these three
 * (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
export function escapeSlackText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack-style message body (`text` or `blocks`): what Slack's incoming webhooks, and Mattermost's, read. */
function isSlackMessage(template: string): boolean {
  return /"(text|blocks)"\s*:/.test(template);
}

function isJsonLike(template: string, contentType: string | undefined): boolean {
  return /^\s*[[{]/.test(template) || /json/i.test(contentType ?? '');
}

/**
 * Renders the step's body. In a JSON-looking template every value is JSON-string-escaped, so a
 * pull request title with quotes keeps the body valid JSON; in a Slack-style message every value
 * is Slack-escaped first, so a reason or a PR title cannot ping a channel or hide a link.
 */
export function renderNotifyBody(input: NotifyInput, runUrl: string, contentType?: string): NotifyBody {
  const summary = buildRunSummary(input, runUrl, describeNotifyOutcome(input));
  const template = input.http.body;
  if (template === undefined) {
    // A drift check's resources follow, one per line, so a channel sees what drifted without a click.
    const drift = summary['drift.status'] === 'drifted' ? `\n${summary['drift.summary']}` : '';
    const text = escapeSlackText(
      `${summary.workflow} ${summary.outcome_label} (run ${summary.run_id}): ${summary.outcome_detail} ${summary.run_url}${drift}`,
    );
    const checks = input.data.drift ? { drift: input.data.drift } : {};
    return { body: JSON.stringify({ text, summary, ...checks }), contentType: 'application/json' };
  }
  const json = isJsonLike(template, contentType);
  const slack = json && isSlackMessage(template);
  const escapeValue = slack
    ? (v: string) => jsonStringContent(escapeSlackText(v))
    : json
      ? jsonStringContent
      : undefined;
  return {
    body: renderTemplate(template, summary, escapeValue),
    contentType: json ? 'application/json' : 'text/plain; charset=utf-8',
  };
}

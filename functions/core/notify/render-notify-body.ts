/** The body an http step sends: its template filled from the run summary, or a JSON run summary. */
import type { NotifyInput } from '../../../statemachines/contract.ts';
import { buildRunSummary, renderTemplate } from '../../../statemachines/placeholders.ts';

/** A rendered body and the content type it goes with. */
export interface NotifyBody {
  body: string;
  contentType: string;
}

/** A value escaped for use inside a JSON string literal. */
export function jsonStringContent(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function isJsonLike(template: string, contentType: string | undefined): boolean {
  return /^\s*[[{]/.test(template) || /json/i.test(contentType ?? '');
}

/**
 * Renders the step's body. In a JSON-looking template every value is JSON-string-escaped, so a
 * pull request title with quotes keeps the body valid JSON.
 */
export function renderNotifyBody(input: NotifyInput, runUrl: string, contentType?: string): NotifyBody {
  const summary = buildRunSummary(input, runUrl);
  const template = input.http.body;
  if (template === undefined) {
    const failure = summary.error ? `: ${summary.error}` : '';
    const text = `${summary.workflow} ${summary.outcome} (run ${summary.run_id})${failure} ${summary.run_url}`;
    return { body: JSON.stringify({ text, summary }), contentType: 'application/json' };
  }
  const json = isJsonLike(template, contentType);
  return {
    body: renderTemplate(template, summary, json ? jsonStringContent : undefined),
    contentType: json ? 'application/json' : 'text/plain; charset=utf-8',
  };
}

import { describe, expect, it } from 'vitest';
import { jsonStringContent, renderNotifyBody } from '../../../functions/core/notify/render-notify-body.ts';
import type { NotifyInput } from '../../../statemachines/contract.ts';

const RUN_URL = 'https://signoff.example.com/runs/r-1';

function input(overrides: Partial<NotifyInput> = {}, title = 'Fix "quotes" \\ and\nnewlines'): NotifyInput {
  return {
    run: {
      id: 'r-1',
      workflow: 'production-deploy',
      environment: 'production',
      production: true,
      trigger: {
        type: 'github',
        delivery: 'd-1',
        repository: 'acme/infra',
        branch: 'main',
        pr: {
          number: 7,
          title,
          author: 'octocat',
          merge_commit: 'abc',
          url: 'https://github.com/acme/infra/pull/7',
        },
      },
      started_by: { email: 'jane@acme.com', name: 'Jane' },
      started_at: '2026-11-25T10:00:00.000Z',
    },
    step_id: 'notify',
    http: {
      method: 'POST',
      headers: {},
      body: '{"text": "{{workflow}} {{outcome}}: {{pr.title}} {{run_url}}"}',
    },
    outcome: 'succeeded',
    data: {},
    ...overrides,
  };
}

describe('jsonStringContent', () => {
  it('escapes a value for use inside a JSON string', () => {
    expect(jsonStringContent('a "b" \\ c\n\u0001')).toBe('a \\"b\\" \\\\ c\\n\\u0001');
  });
});

describe('renderNotifyBody', () => {
  it('fills a JSON template and keeps it valid JSON whatever the values contain', () => {
    const { body, contentType } = renderNotifyBody(input(), RUN_URL);
    expect(contentType).toBe('application/json');
    expect(JSON.parse(body)).toEqual({
      text: `production-deploy succeeded: Fix "quotes" \\ and\nnewlines ${RUN_URL}`,
    });
  });

  // Issue 13: Slack markup in a reason or title (<!channel>, <https://evil|click>) reached the
  // notify step's Slack-webhook body raw, pinging the channel and disguising a link.
  it('escapes Slack markup in every value of a Slack-style message, and leaves the template alone', () => {
    const sneaky = input(
      { http: { method: 'POST', headers: {}, body: '{"text": "<{{run_url}}|run> {{pr.title}} & more"}' } },
      '<!channel> see <https://evil.example|the plan> & sign',
    );
    expect(JSON.parse(renderNotifyBody(sneaky, RUN_URL).body)).toEqual({
      text: `<${RUN_URL}|run> &lt;!channel&gt; see &lt;https://evil.example|the plan&gt; &amp; sign & more`,
    });
  });

  it('does not Slack-escape a JSON body that is not a Slack message', () => {
    const other = input(
      { http: { method: 'POST', headers: {}, body: '{"title": "{{pr.title}}"}' } },
      'a <b> & c',
    );
    expect(JSON.parse(renderNotifyBody(other, RUN_URL).body)).toEqual({ title: 'a <b> & c' });
  });

  it('leaves values of a plain-text template as they are', () => {
    const plain = input({ http: { method: 'POST', headers: {}, body: 'PR: {{pr.title}}' } }, 'a "b"');
    expect(renderNotifyBody(plain, RUN_URL)).toEqual({
      body: 'PR: a "b"',
      contentType: 'text/plain; charset=utf-8',
    });
  });

  it('escapes for JSON when the step says its content type is JSON', () => {
    const odd = input({ http: { method: 'POST', headers: {}, body: ' "{{pr.title}}"' } }, 'a "b"');
    expect(renderNotifyBody(odd, RUN_URL, 'application/json').body).toBe(' "a \\"b\\""');
  });

  it('sends a JSON run summary with a text line when the step has no body', () => {
    const failed = input({
      http: { method: 'POST', headers: {} },
      outcome: 'failed',
      failure: { Error: 'Rejected', Cause: 'bob rejected it' },
    });
    const { body, contentType } = renderNotifyBody(failed, RUN_URL);
    expect(contentType).toBe('application/json');
    const parsed = JSON.parse(body);
    expect(parsed.text).toBe(`production-deploy failed (run r-1): Rejected ${RUN_URL}`);
    expect(parsed.summary).toMatchObject({
      workflow: 'production-deploy',
      outcome: 'failed',
      error: 'Rejected',
      cause: 'bob rejected it',
      run_url: RUN_URL,
      'pr.number': '7',
    });
  });
});

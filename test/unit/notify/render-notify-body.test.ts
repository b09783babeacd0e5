import { readFileSync } from 'node:fs';
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
    expect(parsed.text).toBe(`production-deploy Rejected (run r-1): Bob rejected it. ${RUN_URL}`);
    expect(parsed.summary).toMatchObject({
      workflow: 'production-deploy',
      outcome: 'failed',
      error: 'Rejected',
      cause: 'bob rejected it',
      run_url: RUN_URL,
      'pr.number': '7',
    });
  });

  // Issue 14: the rejected-run notification read "approved by . Rejected".
  it('does not read "approved by . Rejected" for a rejected run: it says who rejected, when and why', () => {
    const template = readFileSync(
      new URL('../../../workflows/production-deploy-with-approval.yaml', import.meta.url),
      'utf8',
    );
    const body = /body: \|\n\s+(\{.*\})/.exec(template)?.[1] ?? '';
    expect(body).toContain('{{outcome_detail}}');
    const cause = JSON.stringify({
      message: 'This gate was rejected at 2026-11-25T23:55:00Z by Dave Kim: "PR 42 changes the wrong CIDR"',
      gate_id: 'g_1',
      step_id: 'approve',
      status: 'rejected',
      closed_at: '2026-11-25T23:55:00.000Z',
      closed_by: { email: 'dave@acme.com', name: 'Dave Kim' },
      comment: 'PR 42 changes the wrong CIDR',
    });
    const rejected = input({
      http: { method: 'POST', headers: {}, body },
      outcome: 'failed',
      failure: { Error: 'Rejected', Cause: cause },
      data: {},
    });
    const text = JSON.parse(renderNotifyBody(rejected, RUN_URL).body).text as string;
    expect(text).not.toContain('approved by .');
    expect(text).not.toContain('{');
    expect(text).toBe(
      `production-deploy Rejected (run r-1): +0 ~0 -0. Rejected by Dave Kim at 2026-11-25 23:55 UTC: 'PR 42 changes the wrong CIDR' ${RUN_URL}`,
    );
  });

  it('fills an old "approved by" template with "nobody" when no gate approved', () => {
    const old = input({
      http: {
        method: 'POST',
        headers: {},
        body: '{"text": "approved by {{approval.approved_by}}. {{error}}"}',
      },
      outcome: 'failed',
      failure: { Error: 'Rejected', Cause: '{}' },
    });
    expect(JSON.parse(renderNotifyBody(old, RUN_URL).body).text).toBe('approved by nobody. Rejected');
  });

  it('names the approvers of a run that succeeded in the outcome sentence', () => {
    const approved = input({
      http: { method: 'POST', headers: {}, body: '{"text": "{{outcome_label}}: {{outcome_detail}}"}' },
      data: {
        approval: {
          gate_id: 'g_1',
          step_id: 'approve',
          status: 'approved',
          approved_by: [
            { email: 'alice@acme.com', name: 'Alice Lead', at: '2026-11-25T11:00:00.000Z', channel: 'web' },
            { email: 'bob@acme.com', name: 'Bob Builder', at: '2026-11-25T11:05:00.000Z', channel: 'slack' },
          ],
          approved_by_count: 2,
          requested_at: '2026-11-25T10:00:00.000Z',
          decided_at: '2026-11-25T11:05:00.000Z',
          plan_hash: null,
        },
      },
    });
    expect(JSON.parse(renderNotifyBody(approved, RUN_URL).body).text).toBe(
      'Succeeded: Approved by Alice Lead and Bob Builder.',
    );
  });

  it('says No changes, in the runs list words, for a run whose plan had nothing to change', () => {
    const unchanged = input({
      http: {
        method: 'POST',
        headers: {},
        body: '{"text": "{{outcome}} / {{outcome_label}}: {{outcome_detail}}"}',
      },
      outcome: 'no_changes',
    });
    const text = JSON.parse(renderNotifyBody(unchanged, RUN_URL).body).text as string;
    expect(text).toMatch(/^no changes \/ No changes: /);
    expect(text).not.toContain('Succeeded');
  });
});

describe('renderNotifyBody for a drift check', () => {
  const drift: NotifyInput['data'] = {
    drift: {
      status: 'drifted',
      checks: [
        {
          step_id: 'check',
          project: 'net',
          status: 'drifted',
          drifted: 2,
          changed_outside: 1,
          planned: 2,
          resources: [
            { address: 'aws_vpc.main', changed_outside: true, planned: 'update', attributes: ['cidr_block'] },
            { address: 'aws_instance.web', changed_outside: false, planned: 'replace', attributes: [] },
          ],
          resources_truncated: false,
          artifact: 'runs/r-1/check/drift-check.json',
        },
      ],
    },
    steps: { check: { fix_up: { workflow: 'fix-net', run_id: 'd-abc', outcome: 'started' } } },
  };

  it('lists each drifted resource in a template, one per line, and names the fix-up run', () => {
    const { body } = renderNotifyBody(
      input({
        data: drift,
        http: {
          method: 'POST',
          headers: {},
          body: '{"text": "{{drift.status}} {{drift.count}}:\\n{{drift.summary}}\\nfix-up {{drift.fix_up}}"}',
        },
      }),
      RUN_URL,
    );
    expect(JSON.parse(body).text).toBe(
      'drifted 2:\n- aws_vpc.main: changed outside the tool; the plan would update it (cidr_block)\n- aws_instance.web: the plan would replace it\nfix-up fix-net d-abc',
    );
  });

  it('adds the resources and the structured verdict to the default body', () => {
    const { body } = renderNotifyBody(input({ data: drift, http: { method: 'POST', headers: {} } }), RUN_URL);
    const parsed = JSON.parse(body);
    expect(parsed.text).toContain('\n- aws_vpc.main: changed outside the tool');
    expect(parsed.drift.checks[0].resources).toHaveLength(2);
    expect(parsed.summary['drift.status']).toBe('drifted');
  });
});

import { describe, expect, it } from 'vitest';
import { mrkdwnToHtml, renderSlackInbox } from '../../../local/slack/slack-inbox.ts';

const users = [{ id: 'U0ALICE', email: 'alice@acme.com', name: 'Alice Lead' }];

describe('mrkdwnToHtml', () => {
  it('renders dates by their fallback, mentions by name, links and bold', () => {
    expect(
      mrkdwnToHtml(
        '*Expires:* <!date^1^{date}|2026-11-25T14:00:00Z> <@U0ALICE> <https://x.example/runs/1|run 1>',
        users,
      ),
    ).toBe(
      '<strong>Expires:</strong> 2026-11-25T14:00:00Z <span class="mention">@Alice Lead</span> <a href="https://x.example/runs/1">run 1</a>',
    );
  });

  it('escapes HTML and refuses non-http links', () => {
    expect(mrkdwnToHtml('&lt;script&gt;alert(1)&lt;/script&gt; <javascript:alert(1)|x>')).toBe(
      '&#60;script&#62;alert(1)&#60;/script&#62; javascript:alert(1)|x',
    );
  });
});

describe('renderSlackInbox', () => {
  it('renders vote buttons as forms carrying the message, the action, the gate and the page token', () => {
    const html = renderSlackInbox(
      [
        {
          channel: 'C0DEPLOYS',
          ts: '1.000001',
          text: 'Approval required',
          posted_at: '',
          updates: 0,
          blocks: [
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  action_id: 'signoff_approve',
                  value: 'g_1',
                  text: { type: 'plain_text', text: 'Approve' },
                },
                {
                  type: 'button',
                  url: 'http://127.0.0.1:3000/runs/r',
                  text: { type: 'plain_text', text: 'View plan' },
                },
              ],
            },
          ],
        },
      ],
      { users, actingAs: 'U0ALICE', csrf: 'tok', channelNames: new Map([['C0DEPLOYS', 'deploys']]) },
    );
    expect(html).toContain('#deploys');
    expect(html).toContain('<input type="hidden" name="value" value="g_1">');
    expect(html).toContain('<input type="hidden" name="csrf" value="tok">');
    expect(html).toContain('<a class="button" href="http://127.0.0.1:3000/runs/r">View plan</a>');
  });
});

import { describe, expect, it } from 'vitest';
import { renderDeliveryFailures } from '../../../web/gate-parts.ts';

describe('renderDeliveryFailures', () => {
  it('renders nothing when every message went out', () => {
    expect(String(renderDeliveryFailures({}))).toBe('');
    expect(String(renderDeliveryFailures({ delivery_failures: [] }))).toBe('');
  });

  it('says which message failed, to whom and why, and how many more the audit holds', () => {
    const out = String(
      renderDeliveryFailures(
        {
          delivery_failures: [
            {
              channel: 'email',
              to: 'carol@acme.com',
              reason: 'MessageRejected: nope',
              at: '2026-11-25T10:00:00.000Z',
            },
            { channel: 'slack', to: '#deploys', reason: 'channel_not_found', at: '2026-11-25T10:05:00.000Z' },
          ],
          delivery_failures_dropped: 4,
        },
        'gate-x-delivery',
      ),
    );
    expect(out).toContain('<h2 id="gate-x-delivery">Not everyone was told</h2>');
    expect(out).toContain('Email to carol@acme.com failed: MessageRejected: nope');
    expect(out).toContain('Slack message to #deploys failed: channel_not_found');
    expect(out).toContain('<time datetime="2026-11-25T10:05:00.000Z">2026-11-25 10:05 UTC</time>');
    expect(out).toContain('And 4 more not listed here; the audit log has every one.');
  });

  it('escapes a reason quoted from a remote service', () => {
    const out = String(
      renderDeliveryFailures({
        delivery_failures: [
          {
            channel: 'slack',
            to: '#x',
            reason: '<img src=x onerror=alert(1)>',
            at: '2026-11-25T10:00:00.000Z',
          },
        ],
      }),
    );
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

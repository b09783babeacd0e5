import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { MetricsNotifier } from '../../../functions/adapters/metrics-notifier.ts';
import type { Gate } from '../../../functions/core/ports.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) if (line.includes('_aws')) lines.push(JSON.parse(line));
    return true;
  });
  return { lines, restore: () => spy.mockRestore() };
}

const gate = {
  status: 'approved',
  requested_at: '2026-11-25T10:00:00.000Z',
  closed_at: '2026-11-25T10:05:00.000Z',
} as Gate;

describe('MetricsNotifier', () => {
  it('emits the response time of a decision, a request and a timeout as EMF in namespace signoff', async () => {
    const out = capture();
    try {
      const notifier = new MetricsNotifier(new Metrics({ namespace: 'signoff', serviceName: 'signoff' }));
      await notifier.decided(gate);
      await notifier.requested(gate);
      await notifier.expired({ ...gate, status: 'timed_out' });
      await notifier.decided({ ...gate, status: 'cancelled' });
    } finally {
      out.restore();
    }
    expect(out.lines.map((l) => Object.keys(l).find((k) => k.startsWith('Approval')))).toEqual([
      'ApprovalResponseTimeMs',
      'ApprovalRequested',
      'ApprovalTimedOut',
    ]);
    expect(out.lines[0]).toMatchObject({ ApprovalResponseTimeMs: 300_000, service: 'signoff' });
  });
});

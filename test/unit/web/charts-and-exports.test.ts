import { describe, expect, it } from 'vitest';
import { csvField, renderAuditCsv } from '../../../functions/core/audit/audit-csv.ts';
import type { AuditEvent } from '../../../functions/core/ports.ts';
import { buildApprovalReport, monthsBetween } from '../../../functions/web/approval-report.ts';
import { niceScale, renderBarChart } from '../../../web/bar-chart.ts';

function event(overrides: Partial<AuditEvent>): AuditEvent {
  return {
    action: 'requested',
    actor: { email: 'jane@acme.com', name: 'Jane' },
    workflow: 'production-deploy',
    run_id: 'r1',
    at: '2026-10-01T10:00:00.000Z',
    seq: 1,
    prev_hash: '0',
    hash: 'h',
    ...overrides,
  };
}

describe('renderBarChart', () => {
  it('draws one rect per value, scaled to a nice axis, with an accessible title', () => {
    const svg = renderBarChart({
      id: 't',
      title: 'Timeouts <per> month',
      description: 'd',
      categories: ['2026-10', '2026-11'],
      series: [
        { name: 'a', values: [3, 0] },
        { name: 'b', values: [7, 1] },
      ],
      yLabel: 'timeouts',
    }).value;
    expect(svg).toContain('role="img"');
    expect(svg).toContain('<title id="t-title">Timeouts &lt;per&gt; month</title>');
    expect(svg.match(/<rect /g)).toHaveLength(4);
    expect(svg).toContain('class="bar series-1"');
    expect(svg).toContain('<title>b, 2026-10: 7</title>');
    // Axis max 8 (nice over 7): the 7 bar reaches 7/8 of the 220 px plot.
    expect(svg).toMatch(/height="192\.5" class="bar series-1"/);
  });

  it('picks round axis maxima', () => {
    expect(niceScale(7)).toEqual({ max: 8, step: 2 });
    expect(niceScale(0)).toEqual({ max: 4, step: 1 });
    expect(niceScale(130)).toEqual({ max: 150, step: 50 });
  });
});

describe('buildApprovalReport', () => {
  it('counts requests, deciding votes and timeouts per month and workflow', () => {
    const report = buildApprovalReport(
      [
        event({ action: 'requested', at: '2026-10-02T00:00:00Z' }),
        event({ action: 'requested', at: '2026-11-02T00:00:00Z' }),
        event({ action: 'requested', at: '2026-11-03T00:00:00Z' }),
        event({
          action: 'approved',
          at: '2026-10-02T01:00:00Z',
          response_time_ms: 120_000,
          details: { gate_status: 'pending' },
        }),
        event({
          action: 'approved',
          at: '2026-10-02T02:00:00Z',
          response_time_ms: 2 * 3600_000,
          details: { gate_status: 'approved' },
        }),
        event({ action: 'rejected', at: '2026-11-02T00:10:00Z', response_time_ms: 600_000 }),
        event({ action: 'timed_out', at: '2026-11-03T04:00:00Z' }),
      ],
      '2026-09-01T00:00:00.000Z',
      Date.parse('2026-11-25T00:00:00Z'),
    );
    expect(report.months).toEqual(['2026-09', '2026-10', '2026-11']);
    expect(report.rows).toEqual([
      {
        month: '2026-10',
        workflow: 'production-deploy',
        requested: 1,
        decided: 1,
        timedOut: 0,
        medianMs: 7_200_000,
      },
      {
        month: '2026-11',
        workflow: 'production-deploy',
        requested: 2,
        decided: 1,
        timedOut: 1,
        medianMs: 600_000,
      },
    ]);
    expect(report.buckets.map((b) => b.count)).toEqual([0, 1, 0, 1, 0, 0]);
    expect(report.timedOut).toBe(1);
  });

  it('lists months across a year end', () => {
    expect(monthsBetween('2025-11-01', '2026-02-10')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });
});

describe('renderAuditCsv', () => {
  it('writes a header and quotes commas, quotes and line breaks', () => {
    const csv = renderAuditCsv([
      event({ action: 'approved', comment: 'ok, "sure"\nbye', channel: 'email', response_time_ms: 5 }),
      event({ action: 'bypass_started', reason: 'outage', seq: 2, hash: 'h2' }),
    ]);
    const lines = csv.split('\r\n');
    expect(lines[0]?.split(',')).toHaveLength(17);
    expect(csv).toContain('"ok, ""sure""\nbye"');
    expect(lines.at(-2)).toMatch(/,outage,,,yes,2,h2$/);
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('neutralises spreadsheet formulas', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('plain')).toBe('plain');
  });
});

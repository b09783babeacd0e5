import { describe, expect, it } from 'vitest';
import { describeCost, relativeTime } from '../../../functions/adapters/slack-facts.ts';

describe('describeCost', () => {
  it('signs the monthly delta and uses the currency symbol', () => {
    const cost = { estimated: true as const, currency: 'USD', monthly_before: 0, monthly_after: 0 };
    expect(describeCost({ ...cost, monthly_delta: 45.2 })).toBe('+$45.20/month');
    expect(describeCost({ ...cost, monthly_delta: -3 })).toBe('-$3.00/month');
    expect(describeCost({ ...cost, monthly_delta: 0 })).toBe('±$0.00/month');
    expect(describeCost({ ...cost, currency: 'CHF', monthly_delta: 1 })).toBe('+1.00 CHF/month');
    expect(describeCost(undefined)).toBe('not estimated');
  });
});

describe('relativeTime', () => {
  it('says how long until a time', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(relativeTime('2026-01-01T04:00:00Z', now)).toBe('in 4 hours');
    expect(relativeTime('2026-01-01T00:35:00Z', now)).toBe('in 35 minutes');
    expect(relativeTime('2026-01-01T00:01:00Z', now)).toBe('in 1 minute');
    expect(relativeTime('2026-01-04T00:00:00Z', now)).toBe('in 3 days');
    expect(relativeTime('2025-12-31T00:00:00Z', now)).toBe('now');
  });
});

import { describe, expect, it } from 'vitest';
import { parseInfracost } from '../../../../functions/core/plan/infracost.ts';
import { fixtureText } from './load-fixture.ts';

describe('parseInfracost', () => {
  it('reads the totals of a plan that adds cost', () => {
    expect(parseInfracost(fixtureText('infracost/breakdown-increase.json'))).toEqual({
      estimated: true,
      currency: 'USD',
      monthly_before: 70.66,
      monthly_after: 590.42,
      monthly_delta: 519.76,
    });
  });

  it('reads a negative change and the currency', () => {
    expect(parseInfracost(fixtureText('infracost/breakdown-decrease.json'))).toEqual({
      estimated: true,
      currency: 'EUR',
      monthly_before: 37.96,
      monthly_after: 0,
      monthly_delta: -37.96,
    });
  });

  it('reads null totals as nothing priced, as Infracost shows them', () => {
    expect(parseInfracost(fixtureText('infracost/breakdown-free.json'))).toEqual({
      estimated: true,
      currency: 'USD',
      monthly_before: 0,
      monthly_after: 0,
      monthly_delta: 0,
    });
  });

  it('adds up per-project past totals when the top level has none', () => {
    expect(parseInfracost(fixtureText('infracost/breakdown-legacy.json'))).toMatchObject({
      estimated: true,
      monthly_before: 7.3,
      monthly_after: 742.64,
      monthly_delta: 735.34,
    });
  });

  it('does not estimate when the past total is unknown', () => {
    const cost = parseInfracost({ version: '0.2', currency: 'USD', totalMonthlyCost: '12', projects: [{}] });
    expect(cost).toEqual({ estimated: false, reason: expect.stringMatching(/no past total/) });
  });

  it('never makes up a number from output that is not Infracost JSON', () => {
    expect(parseInfracost('Error: no INFRACOST_API_KEY')).toEqual({
      estimated: false,
      reason: expect.any(String),
    });
    expect(parseInfracost({ totalMonthlyCost: 'lots' })).toMatchObject({ estimated: false });
    expect(parseInfracost({ currency: 'USD' })).toMatchObject({ estimated: false });
  });
});

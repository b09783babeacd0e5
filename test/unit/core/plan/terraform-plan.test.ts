import { describe, expect, it } from 'vitest';
import { InvalidPlanError, parseTerraformPlan } from '../../../../functions/core/plan/terraform-plan.ts';
import { fixtureText } from './load-fixture.ts';

describe('parseTerraformPlan', () => {
  it('keeps fields it does not know, so the hash sees them', () => {
    const plan = parseTerraformPlan(fixtureText('terraform-plans/identity.plan.json'));
    expect(plan.resource_changes[0]?.change).toHaveProperty('after_identity', { email: 'a@example.com' });
  });

  it('treats a plan without resource_changes as an empty list', () => {
    expect(parseTerraformPlan('{"format_version":"1.2"}').resource_changes).toEqual([]);
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseTerraformPlan('Plan: 1 to add')).toThrow(InvalidPlanError);
  });

  it('names every problem of a malformed plan', () => {
    const bad = {
      resource_changes: [
        { address: 'a.b', mode: 'managed', type: 'a', name: 'b', change: { actions: ['explode'] } },
      ],
    };
    expect(() => parseTerraformPlan(bad)).toThrow(/format_version.*resource_changes\.0\.change\.actions\.0/s);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../functions/core/plan/canonical-json.ts';
import { computePlanHash, diffResourceChanges } from '../../../../functions/core/plan/plan-hash.ts';
import { parseTerraformPlan, type TerraformPlan } from '../../../../functions/core/plan/terraform-plan.ts';
import { fixtureJson, planFixture } from './load-fixture.ts';

const FIXTURES = [
  '110_sensitive_values',
  '120_basic',
  'action_reason',
  'basic',
  'config_resource_depends_on',
  'create_before_destroy',
  'deep_module',
  'delete_and_sensitive_update',
  'has_checks',
  'identity',
  'moved_block',
  'no_changes',
];

/** Deep copy with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

const raw = (name: string) =>
  structuredClone(fixtureJson(`terraform-plans/${name}.plan.json`)) as Record<string, unknown> & {
    resource_changes: Record<string, unknown>[];
  };

describe('canonicalJson', () => {
  it('gives the same text whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(reverseKeys(value))).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('computePlanHash', () => {
  it('is stable under key order and resource order on every fixture', () => {
    for (const name of FIXTURES) {
      const original = raw(name);
      const shuffled = reverseKeys(original) as typeof original;
      shuffled.resource_changes = [...shuffled.resource_changes].reverse();
      expect(computePlanHash(parseTerraformPlan(shuffled)), name).toBe(computePlanHash(planFixture(name)));
    }
  });

  it('ignores volatile fields outside resource_changes', () => {
    const original = raw('action_reason');
    const later = {
      ...original,
      timestamp: '2030-01-01T00:00:00Z',
      terraform_version: '1.99.0',
      format_version: '1.3',
      prior_state: { values: { root_module: {} } },
      planned_values: {},
      configuration: {},
    };
    expect(computePlanHash(parseTerraformPlan(later))).toBe(computePlanHash(parseTerraformPlan(original)));
  });

  it('ignores action_reason, which says why and not what', () => {
    const original = raw('action_reason');
    const other = raw('action_reason');
    (other.resource_changes[0] as Record<string, unknown>).action_reason = 'replace_because_cannot_update';
    expect(computePlanHash(parseTerraformPlan(other))).toBe(computePlanHash(parseTerraformPlan(original)));
  });

  it('ignores no-op entries whose current values changed (a refresh is not a new change)', () => {
    const original = raw('config_resource_depends_on');
    const refreshed = raw('config_resource_depends_on');
    const noop = refreshed.resource_changes.find((r) => r.address === 'null_resource.foo') as {
      change: { before: unknown; after: unknown };
    };
    noop.change.before = { id: 'refreshed' };
    noop.change.after = { id: 'refreshed' };
    expect(computePlanHash(parseTerraformPlan(refreshed))).toBe(
      computePlanHash(parseTerraformPlan(original)),
    );
  });

  it('gives every fixture with changes its own hash, and no-op plans the empty-change hash', () => {
    const changed = FIXTURES.filter((f) => !['no_changes', 'moved_block', '120_basic'].includes(f));
    const hashes = new Set(changed.map((f) => computePlanHash(planFixture(f))));
    expect(hashes.size).toBe(changed.length);
    expect(computePlanHash(planFixture('no_changes'))).toBe(
      computePlanHash(parseTerraformPlan({ format_version: '1.2' })),
    );
  });

  it('counts a move as part of the change', () => {
    expect(computePlanHash(planFixture('moved_block'))).not.toBe(computePlanHash(planFixture('no_changes')));
  });

  it('changes when an after value changes', () => {
    const other = raw('delete_and_sensitive_update');
    const update = other.resource_changes.find((r) => r.address === 'terraform_data.with_secret') as {
      change: { after: { input: string } };
    };
    update.change.after.input = 'example-other-not-a-secret';
    expect(computePlanHash(parseTerraformPlan(other))).not.toBe(
      computePlanHash(planFixture('delete_and_sensitive_update')),
    );
  });

  it('changes when actions change, when a sensitivity marker changes, or when an unknown becomes known', () => {
    const base = computePlanHash(planFixture('action_reason'));
    const variants: ((rc: { change: Record<string, unknown> }) => void)[] = [
      (rc) => {
        rc.change.actions = ['create', 'delete'];
      },
      (rc) => {
        rc.change.after_sensitive = { triggers: { name: true } };
      },
      (rc) => {
        rc.change.after_unknown = { triggers: {} };
      },
    ];
    for (const change of variants) {
      const other = raw('action_reason');
      change(other.resource_changes[0] as { change: Record<string, unknown> });
      expect(computePlanHash(parseTerraformPlan(other))).not.toBe(base);
    }
  });
});

describe('diffResourceChanges', () => {
  it('finds nothing between a plan and itself', () => {
    expect(diffResourceChanges(planFixture('basic'), planFixture('basic'))).toEqual([]);
  });

  it('names the addresses that differ, appear or disappear', () => {
    const before = planFixture('delete_and_sensitive_update');
    const other = raw('delete_and_sensitive_update');
    const update = other.resource_changes.find((r) => r.address === 'terraform_data.with_secret') as {
      change: { after: { input: string } };
    };
    update.change.after.input = 'changed';
    other.resource_changes = other.resource_changes.filter((r) => r.address !== 'terraform_data.old');
    other.resource_changes.push({
      address: 'terraform_data.new',
      mode: 'managed',
      type: 'terraform_data',
      name: 'new',
      change: { actions: ['create'], before: null, after: { input: 'x' } },
    });
    const after: TerraformPlan = parseTerraformPlan(other);
    expect(diffResourceChanges(before, after)).toEqual([
      'terraform_data.new',
      'terraform_data.old',
      'terraform_data.with_secret',
    ]);
  });
});

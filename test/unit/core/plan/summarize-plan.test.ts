import { describe, expect, it } from 'vitest';
import { MAX_LISTED_RESOURCES, summarizePlan } from '../../../../functions/core/plan/summarize-plan.ts';
import { parseTerraformPlan } from '../../../../functions/core/plan/terraform-plan.ts';
import { planFixture } from './load-fixture.ts';

const opts = { stepId: 'plan', project: 'network', artifacts: { plan_json: 'runs/r1/plan/plan.json' } };
const counts = (name: string) => {
  const { add, change, destroy, replace } = summarizePlan(planFixture(name), opts);
  return { add, change, destroy, replace };
};

describe('summarizePlan', () => {
  it('counts creates and lists data source reads without counting them', () => {
    expect(counts('basic')).toEqual({ add: 7, change: 0, destroy: 0, replace: 0 });
    const summary = summarizePlan(planFixture('basic'), opts);
    expect(summary.resources).toContainEqual({ address: 'data.null_data_source.baz', action: 'read' });
    expect(summary.resources).toContainEqual({ address: 'null_resource.baz[1]', action: 'create' });
  });

  it('counts nothing for a plan of no-ops', () => {
    const summary = summarizePlan(planFixture('no_changes'), opts);
    expect(counts('no_changes')).toEqual({ add: 0, change: 0, destroy: 0, replace: 0 });
    expect(summary.resources).toEqual([]);
  });

  it('counts delete+create as one replace, not an add and a destroy', () => {
    expect(counts('config_resource_depends_on')).toEqual({ add: 0, change: 0, destroy: 0, replace: 1 });
    expect(counts('action_reason')).toEqual({ add: 0, change: 0, destroy: 0, replace: 1 });
  });

  it('counts create+delete (create_before_destroy) as one replace', () => {
    const summary = summarizePlan(planFixture('create_before_destroy'), opts);
    expect(summary.replace).toBe(1);
    expect(summary.resources).toEqual([{ address: 'terraform_data.server', action: 'replace' }]);
  });

  it('counts a plain delete and an in-place update of a sensitive value', () => {
    const summary = summarizePlan(planFixture('delete_and_sensitive_update'), opts);
    expect(counts('delete_and_sensitive_update')).toEqual({ add: 0, change: 1, destroy: 1, replace: 0 });
    expect(summary.resources).toEqual([
      { address: 'terraform_data.old', action: 'delete' },
      { address: 'terraform_data.with_secret', action: 'update' },
    ]);
  });

  it('never puts attribute values (sensitive or not) into the summary', () => {
    const text = JSON.stringify(summarizePlan(planFixture('delete_and_sensitive_update'), opts));
    expect(text).not.toContain('example-rotated-not-a-secret');
    expect(text).not.toContain('example-not-a-secret');
  });

  it('summarizes every copied fixture with its step, project, artifacts and a hash', () => {
    const cases: Record<string, [number, number, number, number]> = {
      '110_sensitive_values': [7, 0, 0, 0],
      '120_basic': [7, 0, 0, 0],
      deep_module: [1, 0, 0, 0],
      has_checks: [2, 0, 0, 0],
      identity: [0, 1, 0, 0],
      moved_block: [0, 0, 0, 0],
    };
    for (const [name, [add, change, destroy, replace]] of Object.entries(cases)) {
      const summary = summarizePlan(planFixture(name), opts);
      expect({
        name,
        add: summary.add,
        change: summary.change,
        destroy: summary.destroy,
        replace: summary.replace,
      }).toEqual({
        name,
        add,
        change,
        destroy,
        replace,
      });
      expect(summary).toMatchObject({ step_id: 'plan', project: 'network', artifacts: opts.artifacts });
      expect(summary.hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('lists destructive changes first and caps the list, saying so', () => {
    const many = Array.from({ length: MAX_LISTED_RESOURCES + 5 }, (_, i) => ({
      address: `terraform_data.n${String(i).padStart(3, '0')}`,
      mode: 'managed',
      type: 'terraform_data',
      name: `n${i}`,
      change: { actions: [i === MAX_LISTED_RESOURCES + 4 ? 'delete' : 'create'], before: null, after: {} },
    }));
    const summary = summarizePlan(
      parseTerraformPlan({ format_version: '1.2', resource_changes: many }),
      opts,
    );
    expect(summary.resources).toHaveLength(MAX_LISTED_RESOURCES);
    expect(summary.resources_truncated).toBe(true);
    expect(summary.resources[0]).toEqual({ address: 'terraform_data.n104', action: 'delete' });
    expect(summary.add).toBe(MAX_LISTED_RESOURCES + 4);
  });
});

import { describe, expect, it } from 'vitest';
import {
  changedAttributes,
  classifyDrift,
  MAX_DRIFT_ATTRIBUTES,
  MAX_DRIFT_RESOURCES,
  summarizeDriftCheck,
} from '../../../../functions/core/drift-checks/classify-drift.ts';
import { parseTerraformPlan } from '../../../../functions/core/plan/terraform-plan.ts';

type Actions = string[];
const change = (address: string, actions: Actions, before: unknown, after: unknown, extra = {}) => ({
  address,
  mode: 'managed',
  type: address.split('.')[0],
  name: address.split('.')[1],
  change: { actions, before, after, ...extra },
});
const plan = (changes: unknown[], drift?: unknown[]) =>
  parseTerraformPlan({
    format_version: '1.2',
    resource_changes: changes,
    ...(drift ? { resource_drift: drift } : {}),
  });
const classify = (p: ReturnType<typeof plan>) => classifyDrift(p, { project: 'net', planHash: 'h' });

describe('classifyDrift', () => {
  it('reports a plan of no-ops as in sync', () => {
    const report = classify(plan([change('aws_vpc.main', ['no-op'], { cidr: 'a' }, { cidr: 'a' })]));
    expect(report).toEqual({ project: 'net', status: 'in_sync', resources: [], plan_hash: 'h' });
  });

  it('lists a resource changed outside the tool that the plan would change back, with the attribute', () => {
    const report = classify(
      plan(
        [change('aws_vpc.main', ['update'], { cidr: 'b', id: 'v' }, { cidr: 'a', id: 'v' })],
        [change('aws_vpc.main', ['update'], { cidr: 'a', id: 'v' }, { cidr: 'b', id: 'v' })],
      ),
    );
    expect(report.status).toBe('drifted');
    expect(report.resources).toEqual([
      { address: 'aws_vpc.main', changed_outside: true, planned: 'update', attributes: ['cidr'] },
    ]);
  });

  it('tells a change outside the tool that the plan leaves alone from a change only the plan makes', () => {
    const report = classify(
      plan(
        [
          change('aws_s3_bucket.logs', ['no-op'], { tags: { a: '1' } }, { tags: { a: '1' } }),
          change('aws_instance.web', ['delete', 'create'], { ami: 'x' }, { ami: 'y' }),
          change('data.aws_ami.latest', ['read'], null, { id: 'q' }),
        ],
        [change('aws_s3_bucket.logs', ['update'], { tags: {} }, { tags: { a: '1' } })],
      ),
    );
    expect(report.resources).toEqual([
      { address: 'aws_instance.web', changed_outside: false, planned: 'replace', attributes: ['ami'] },
      { address: 'aws_s3_bucket.logs', changed_outside: true, attributes: ['tags'] },
    ]);
  });

  it('ignores data sources and lists a resource deleted outside the tool without attributes', () => {
    const data = {
      ...change('aws_ami.x', ['update'], { a: 1 }, { a: 2 }),
      mode: 'data',
      address: 'data.aws_ami.x',
    };
    const report = classify(
      plan(
        [change('aws_vpc.gone', ['create'], null, { cidr: 'a' })],
        [data, change('aws_vpc.gone', ['delete'], { cidr: 'a' }, null)],
      ),
    );
    expect(report.resources).toEqual([
      { address: 'aws_vpc.gone', changed_outside: true, planned: 'create', attributes: [] },
    ]);
  });
});

describe('changedAttributes', () => {
  it('leaves out what is only known after apply, and compares nested values by content', () => {
    expect(
      changedAttributes({
        actions: ['update'],
        before: { input: 'changed', output: 'v1', tags: { b: 1, a: 2 }, id: 'x' },
        after: { input: 'v1', tags: { a: 2, b: 1 }, id: 'x' },
        after_unknown: { output: true },
      }),
    ).toEqual(['input']);
  });
});

describe('summarizeDriftCheck', () => {
  it('counts every resource and lists a capped number, each with capped attributes', () => {
    const many = Array.from({ length: MAX_DRIFT_RESOURCES + 3 }, (_, i) => {
      const before = Object.fromEntries(
        Array.from({ length: 12 }, (_, k) => [`a${String(k).padStart(2, '0')}`, 1]),
      );
      const after = Object.fromEntries(Object.keys(before).map((k) => [k, 2]));
      return change(`aws_x.r${String(i).padStart(3, '0')}`, ['update'], before, after);
    });
    const report = classify(plan(many));
    const summary = summarizeDriftCheck(report, {
      stepId: 'check',
      artifact: 'runs/r/check/drift-check.json',
    });
    expect(summary).toMatchObject({
      step_id: 'check',
      project: 'net',
      status: 'drifted',
      drifted: MAX_DRIFT_RESOURCES + 3,
      changed_outside: 0,
      planned: MAX_DRIFT_RESOURCES + 3,
      resources_truncated: true,
    });
    expect(summary.resources).toHaveLength(MAX_DRIFT_RESOURCES);
    expect(summary.resources[0]?.attributes).toHaveLength(MAX_DRIFT_ATTRIBUTES);
    expect(summary.resources[0]?.attributes_truncated).toBe(true);
    // The summary travels in the run's state (256 KB): even at the caps it stays small.
    expect(JSON.stringify(summary).length).toBeLessThan(16_000);
  });
});

import { describe, expect, it } from 'vitest';
import { diffPlans, SENSITIVE, UNKNOWN } from '../../../../functions/core/plan/diff-plans.ts';
import { computePlanHash, diffResourceChanges } from '../../../../functions/core/plan/plan-hash.ts';
import { parseTerraformPlan, type TerraformPlan } from '../../../../functions/core/plan/terraform-plan.ts';
import { planFixture } from './load-fixture.ts';

type Change = Record<string, unknown>;

function resource(address: string, change: Change): Record<string, unknown> {
  const [type, name] = address.split('.') as [string, string];
  return { address, mode: 'managed', type, name, change };
}

function plan(...resources: Record<string, unknown>[]): TerraformPlan {
  return parseTerraformPlan({ format_version: '1.2', resource_changes: resources });
}

const bucket = (after: Change, extra: Change = {}) =>
  resource('aws_s3_bucket.logs', {
    actions: ['update'],
    before: { bucket: 'logs', acl: 'private', tags: { team: 'a' } },
    after,
    after_unknown: {},
    before_sensitive: {},
    after_sensitive: {},
    ...extra,
  });

describe('diffPlans', () => {
  it('finds nothing between a plan and itself', () => {
    const p = planFixture('basic');
    expect(diffPlans(p, p)).toEqual({ resources: [], truncated: false });
  });

  it('lists resources only the re-plan changes as added and those only the approved plan changed as removed', () => {
    const approved = plan(
      resource('aws_instance.web', { actions: ['create'], before: null, after: { ami: 'ami-1' } }),
    );
    const current = plan(
      resource('aws_instance.db', { actions: ['delete'], before: { ami: 'ami-2' }, after: null }),
    );
    const diff = diffPlans(approved, current);
    expect(diff.resources.map((r) => [r.address, r.kind, r.approved_action, r.current_action])).toEqual([
      ['aws_instance.db', 'added', undefined, 'delete'],
      ['aws_instance.web', 'removed', 'create', undefined],
    ]);
    expect(diff.resources[1]?.attributes).toEqual([{ side: 'planned', name: 'ami', approved: '"ami-1"' }]);
  });

  it('names the attributes that differ on a changed resource, with both values', () => {
    const approved = plan(bucket({ bucket: 'logs', acl: 'private', tags: { team: 'b' } }));
    const current = plan(bucket({ bucket: 'logs', acl: 'public-read', tags: { team: 'b' } }));
    const diff = diffPlans(approved, current);
    expect(diff.resources).toEqual([
      {
        address: 'aws_s3_bucket.logs',
        kind: 'changed',
        approved_action: 'update',
        current_action: 'update',
        attributes: [{ side: 'planned', name: 'acl', approved: '"private"', current: '"public-read"' }],
      },
    ]);
  });

  it('shows a change made outside Terraform as a prior value that differs', () => {
    const approved = plan(bucket({ bucket: 'logs', acl: 'private', tags: { team: 'b' } }));
    const current = plan(
      bucket(
        { bucket: 'logs', acl: 'private', tags: { team: 'b' } },
        { before: { bucket: 'logs', acl: 'private', tags: { team: 'c' } } },
      ),
    );
    expect(diffPlans(approved, current).resources[0]?.attributes).toEqual([
      { side: 'prior', name: 'tags', approved: '{"team":"a"}', current: '{"team":"c"}' },
    ]);
  });

  it('masks values either plan marks sensitive, and shows values known only after apply', () => {
    const approved = plan(
      bucket(
        { bucket: 'logs', acl: 'private', password: 'old-pass' },
        { after_sensitive: { password: true } },
      ),
    );
    const current = plan(
      bucket({ bucket: 'logs', acl: 'private', password: 'new-pass' }, { after_unknown: { acl: true } }),
    );
    const attributes = diffPlans(approved, current).resources[0]?.attributes ?? [];
    expect(attributes).toContainEqual({
      side: 'planned',
      name: 'acl',
      approved: '"private"',
      current: UNKNOWN,
    });
    expect(attributes).toContainEqual({
      side: 'planned',
      name: 'password',
      approved: SENSITIVE,
      current: SENSITIVE,
    });
    expect(JSON.stringify(attributes)).not.toMatch(/old-pass|new-pass/);
  });

  it('reports an action that changed even when no attribute did', () => {
    const approved = plan(bucket({ bucket: 'logs', acl: 'private', tags: { team: 'a' } }));
    const current = plan(
      bucket({ bucket: 'logs', acl: 'private', tags: { team: 'a' } }, { actions: ['delete', 'create'] }),
    );
    const [only] = diffPlans(approved, current).resources;
    expect(only).toMatchObject({
      kind: 'changed',
      approved_action: 'update',
      current_action: 'replace',
      attributes: [],
    });
  });

  it('covers exactly the addresses the drift check names, on real plans', () => {
    const a = planFixture('basic');
    const b = planFixture('delete_and_sensitive_update');
    expect(computePlanHash(a)).not.toBe(computePlanHash(b));
    expect(diffPlans(a, b).resources.map((r) => r.address)).toEqual(diffResourceChanges(a, b));
  });

  it('ignores no-op entries and why Terraform chose an action, as the plan hash does', () => {
    const approved = plan({ ...bucket({ bucket: 'x' }), action_reason: 'replace_because_tainted' });
    const current = plan(
      bucket({ bucket: 'x' }),
      resource('aws_iam_role.r', { actions: ['no-op'], before: { name: 'r' }, after: { name: 'r' } }),
    );
    expect(diffPlans(approved, current).resources).toEqual([]);
  });
});

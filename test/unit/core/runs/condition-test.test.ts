import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conditionBranch,
  describeOutcome,
  describeTest,
  readConditionField,
} from '../../../../functions/core/runs/condition-test.ts';
import { compileWorkflow } from '../../../../statemachines/compile.ts';
import type { ConditionTest } from '../../../../statemachines/contract.ts';
import { workflowSchema } from '../../../../statemachines/schema.ts';
import { runInfo } from '../../../support/approval-fixtures.ts';
import { runScenario } from '../../../support/asl-harness.ts';

/** Which branch the compiled Choice state takes for `value` at `run.tested`, run by the ASL interpreter. */
async function branchInAsl(test: Omit<ConditionTest, 'step_id' | 'field'>, value: unknown) {
  const workflow = workflowSchema.parse({
    name: 'condition-check',
    environment: 'staging',
    steps: [
      // Only so that the Failed state is reachable whatever `when_missing` the test uses.
      {
        id: 'guard',
        type: 'condition',
        if: { field: 'run.id', op: 'ne', value: '' },
        then: 'check',
        else: 'check',
      },
      {
        id: 'check',
        type: 'condition',
        if: { field: 'run.tested', op: test.op, value: test.value },
        when_missing: test.when_missing,
        then: 'yes',
        else: 'no',
      },
      { id: 'yes', type: 'http', url: 'https://example.com/yes' },
      { id: 'no', type: 'http', url: 'https://example.com/no' },
    ],
  });
  const run = { ...runInfo(), ...(value === undefined ? {} : { tested: value }) };
  const outcome = await runScenario(compileWorkflow(workflow), { run }, { yes: () => ({}), no: () => ({}) });
  const after = outcome.states[outcome.states.indexOf('check') + 1];
  return after === 'yes' ? 'then' : after === 'no' ? 'else' : 'fails';
}

describe('conditionBranch', () => {
  it('takes the branch the compiled Choice state takes, for any value and test', async () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom('a', 'b', true, false, null, undefined, 1.5),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('gt', 'gte', 'lt', 'lte', 'eq', 'ne') as fc.Arbitrary<ConditionTest['op']>,
        value,
        value,
        fc.constantFrom('then', 'else', 'fail') as fc.Arbitrary<ConditionTest['when_missing']>,
        async (op, threshold, actual, when_missing) => {
          const numeric = op !== 'eq' && op !== 'ne';
          const expected = numeric ? (typeof threshold === 'number' ? threshold : 0) : (threshold ?? 'a');
          const test = { step_id: 'check', field: 'run.tested', op, value: expected, when_missing };
          const asl = await branchInAsl(test, actual);
          expect(conditionBranch(test, actual === null ? undefined : actual)).toBe(asl);
        },
      ),
      { numRuns: 30 },
    );
  }, 90_000);
});

describe('readConditionField', () => {
  it('reads a dotted path under the run data, and treats null as missing', () => {
    const data = {
      cost: {
        estimated: true as const,
        currency: 'USD',
        monthly_before: 1,
        monthly_after: 2,
        monthly_delta: 1,
      },
    };
    expect(readConditionField('cost.monthly_delta', { data })).toBe(1);
    expect(readConditionField('plan.add', { data })).toBeUndefined();
    expect(readConditionField('cost.monthly_delta.x', { data })).toBeUndefined();
    expect(readConditionField('run.reason', { run: runInfo({ reason: 'why' }), data })).toBe('why');
  });
});

describe('describeOutcome', () => {
  const cost: ConditionTest = {
    step_id: 'check_cost',
    field: 'cost.monthly_delta',
    op: 'gt',
    value: 500,
    when_missing: 'then',
  };

  it('reads as the value tested against the threshold, with the symbol that holds', () => {
    expect(describeTest(cost)).toBe('cost > $500');
    expect(describeOutcome(cost, 750)).toBe('cost +$750/month > $500');
    expect(describeOutcome(cost, 45.2)).toBe('cost +$45.20/month ≤ $500');
    expect(describeOutcome(cost, -20)).toBe('cost -$20/month ≤ $500');
    expect(describeOutcome(cost, 750, 'EUR')).toBe('cost +750 EUR/month > 500 EUR');
    expect(describeOutcome(cost, undefined)).toBe('no value for cost');
    const destroys: ConditionTest = { ...cost, field: 'plan.destroy', op: 'gte', value: 1 };
    expect(describeOutcome(destroys, 0)).toBe('resources to destroy 0 < 1');
    const env: ConditionTest = { ...cost, field: 'run.environment', op: 'eq', value: 'production' };
    expect(describeOutcome(env, 'production')).toBe('run.environment "production" = "production"');
  });
});

/**
 * What a condition step tests, read the way its compiled Choice state reads it (compile.ts,
 * `compileCondition`): the value at the field, the branch it takes, and a sentence people read,
 * such as `cost +$750/month > $500`.
 */
import type { ConditionTest, RunData, RunInfo } from '../../../statemachines/contract.ts';

/** Where a condition leads: one of its branches, or the run fails (a missing value with `when_missing: fail`). */
export type ConditionBranch = 'then' | 'else' | 'fails';

/** The facts a condition may read: the run and its accumulated data (`$.run`, `$.data`). */
export interface ConditionFacts {
  run?: RunInfo;
  data: Pick<RunData, 'plan' | 'cost' | 'policy' | 'approval'>;
}

/** The value at a condition's field (`cost.monthly_delta`), or undefined when absent or null. */
export function readConditionField(field: string, facts: ConditionFacts): unknown {
  const [root, ...rest] = field.split('.');
  let value: unknown = root === 'run' ? facts.run : facts.data[root as keyof ConditionFacts['data']];
  for (const key of rest) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value === null ? undefined : value;
}

/**
 * The branch the Choice state takes for `value`: a missing value goes where `when_missing` says;
 * a numeric comparison of a non-number, or an equality of another type, is false (as in ASL).
 */
export function conditionBranch(test: ConditionTest, value: unknown): ConditionBranch {
  if (value === undefined) return test.when_missing === 'fail' ? 'fails' : test.when_missing;
  return compare(test, value) ? 'then' : 'else';
}

function compare(test: ConditionTest, value: unknown): boolean {
  const expected = test.value;
  switch (test.op) {
    case 'gt':
      return typeof value === 'number' && value > (expected as number);
    case 'gte':
      return typeof value === 'number' && value >= (expected as number);
    case 'lt':
      return typeof value === 'number' && value < (expected as number);
    case 'lte':
      return typeof value === 'number' && value <= (expected as number);
    case 'eq':
      return typeof value === typeof expected && value === expected;
    case 'ne':
      return !(typeof value === typeof expected && value === expected);
  }
}

const SYMBOL: Record<ConditionTest['op'], string> = {
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  eq: '=',
  ne: '≠',
};
/** The symbol that holds when the test does not (the else branch). */
const NEGATED: Record<ConditionTest['op'], string> = {
  gt: '≤',
  gte: '<',
  lt: '≥',
  lte: '>',
  eq: '≠',
  ne: '=',
};

const LABEL: Record<string, string> = {
  'cost.monthly_delta': 'cost',
  'cost.monthly_after': 'monthly cost after',
  'cost.monthly_before': 'monthly cost now',
  'plan.add': 'resources to add',
  'plan.change': 'resources to change',
  'plan.destroy': 'resources to destroy',
  'plan.replace': 'resources to replace',
  'policy.failed': 'failed policy checks',
  'policy.mandatory_failed': 'failed mandatory policy checks',
  'approval.approved_by_count': 'approvals',
};

/** A condition field as people read it: `cost` for `cost.monthly_delta`, the path otherwise. */
export function conditionLabel(field: string): string {
  return LABEL[field] ?? field;
}

function money(amount: number, currency: string): string {
  const digits = Number.isInteger(amount) ? 0 : 2;
  const text = Math.abs(amount).toFixed(digits);
  return currency === 'USD' ? `$${text}` : `${text} ${currency}`;
}

/** A value of the field as people read it: money for costs (`+$750/month` for the delta), the value otherwise. */
export function formatConditionValue(field: string, value: unknown, currency = 'USD'): string {
  if (typeof value === 'number' && field.startsWith('cost.monthly_')) {
    if (field === 'cost.monthly_delta') {
      const sign = value > 0 ? '+' : value < 0 ? '-' : '';
      return `${sign}${money(value, currency)}/month`;
    }
    return `${money(value, currency)}/month`;
  }
  return typeof value === 'string' ? `"${value}"` : String(value);
}

/** The threshold of a test as people read it: `$500` for a cost, the value otherwise. */
function formatThreshold(test: ConditionTest, currency: string): string {
  if (typeof test.value === 'number' && test.field.startsWith('cost.monthly_'))
    return money(test.value, currency);
  return typeof test.value === 'string' ? `"${test.value}"` : String(test.value);
}

/** The test itself: `cost > $500`. */
export function describeTest(test: ConditionTest, currency = 'USD'): string {
  return `${conditionLabel(test.field)} ${SYMBOL[test.op]} ${formatThreshold(test, currency)}`;
}

/**
 * What the test found, as one phrase: `cost +$750/month > $500`, `cost +$45.20/month ≤ $500`,
 * or `no value for cost` when the field is missing.
 */
export function describeOutcome(test: ConditionTest, value: unknown, currency = 'USD'): string {
  if (value === undefined) return `no value for ${conditionLabel(test.field)}`;
  const held = conditionBranch(test, value) === 'then';
  return `${conditionLabel(test.field)} ${formatConditionValue(test.field, value, currency)} ${held ? SYMBOL[test.op] : NEGATED[test.op]} ${formatThreshold(test, currency)}`;
}

/** The currency a run's cost is in (USD when there is no estimate). */
export function currencyOf(data: ConditionFacts['data']): string {
  return data.cost?.estimated ? data.cost.currency : 'USD';
}

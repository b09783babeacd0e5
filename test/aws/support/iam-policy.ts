/**
 * Evaluates identity-based IAM statements for one request: action, resource and the condition
 * operators the signoff template uses. moto 5.2 evaluates only actions for every service but S3
 * (its access control says "TODO add support for the Resource and Condition parts of IAM
 * policies"), so the contract tests check resources and conditions here, following the IAM
 * policy evaluation logic: allowed when some Allow statement matches and no Deny does
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 */

/** One resolved statement. */
export interface IamStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** A request as IAM sees it. */
export interface IamRequest {
  action: string;
  /** Undefined where the request does not name its resource (a task token hides its state machine). */
  resource?: string;
  /** Condition keys and their values (`s3:prefix`, `iam:PassedToService`). */
  context?: Record<string, string>;
}

const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** IAM wildcards: `*` any run of characters, `?` one; actions compare case-insensitively. */
function matches(pattern: string, value: string, ignoreCase = false): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, ignoreCase ? 'i' : '').test(value);
}

function conditionHolds(condition: IamStatement['Condition'], context: Record<string, string>): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const actual = context[key];
      // A key absent from the request makes a positive condition false (IAM "condition keys").
      if (actual === undefined) return false;
      const values = list(expected);
      if (operator === 'StringEquals' && !values.includes(actual)) return false;
      else if (operator === 'StringLike' && !values.some((v) => matches(v, actual))) return false;
      else if (operator !== 'StringEquals' && operator !== 'StringLike') {
        throw new Error(`condition operator ${operator} is not modelled by the contract tests`);
      }
    }
  }
  return true;
}

function statementMatches(statement: IamStatement, request: IamRequest): boolean {
  return (
    list(statement.Action).some((a) => matches(a, request.action, true)) &&
    (request.resource === undefined ||
      list(statement.Resource).some((r) => matches(r, request.resource as string))) &&
    conditionHolds(statement.Condition, request.context ?? {})
  );
}

/** True when the statements allow the request: an Allow matches and no Deny does. */
export function isAllowed(statements: readonly IamStatement[], request: IamRequest): boolean {
  const matching = statements.filter((s) => statementMatches(s, request));
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}

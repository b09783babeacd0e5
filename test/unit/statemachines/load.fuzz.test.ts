import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadWorkflow } from '../../../statemachines/load.ts';
import type { Directory, Projects } from '../../../statemachines/schema.ts';

const directory: Directory = {
  users: [{ email: 'a@x.com', name: 'A', role: 'admin' }],
  teams: { t: ['a@x.com'] },
};
const projects: Projects = { projects: [{ name: 'p', tool: 'terraform', directory: '.' }] };

function expectOutcome(text: string) {
  const result = loadWorkflow(text, 'fuzz.yaml', { directory, projects });
  if (!result.ok) {
    expect(result.problems.length).toBeGreaterThan(0);
    for (const p of result.problems) {
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.column).toBeGreaterThanOrEqual(1);
      expect(p.message.length).toBeGreaterThan(0);
    }
  }
}

const stepLike = fc.record(
  {
    id: fc.oneof(fc.constantFrom('plan', 'gate', 'apply', 'c', 'n'), fc.string()),
    type: fc.oneof(fc.constantFrom('iac', 'approval', 'condition', 'http'), fc.string()),
    project: fc.oneof(fc.constant('p'), fc.string()),
    action: fc.constantFrom('plan', 'apply', 'x'),
    approvers: fc.array(
      fc.constantFrom('team:t', 'user:a@x.com', 'role:admin', 'role:viewer', 'team:nope', 'x'),
    ),
    required: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.string()),
    timeout: fc.constantFrom('4h', '0m', '30s', '400d', 'soon'),
    if: fc.record({
      field: fc.constantFrom('cost.monthly_delta', 'plan.x', 'nope'),
      op: fc.constantFrom('gt', 'eq', 'zz'),
      value: fc.jsonValue(),
    }),
    then: fc.constantFrom('plan', 'gate', 'apply', 'zz'),
    else: fc.constantFrom('plan', 'gate', 'apply', 'zz'),
    url: fc.constantFrom('https://x.example.com', 'nope'),
    body: fc.constantFrom('{{workflow}}', '{{nope}}', ''),
  },
  { requiredKeys: [] },
);

describe('loadWorkflow (fuzz)', () => {
  it('returns problems for arbitrary text and never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => expectOutcome(text)),
      { numRuns: 500 },
    );
  });

  it('returns problems for arbitrary YAML values and never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expectOutcome(stringify(value))),
      { numRuns: 300 },
    );
  });

  it('returns an outcome for workflow-shaped documents and never throws', () => {
    const workflow = fc.record(
      {
        name: fc.constantFrom('w', 'W!'),
        environment: fc.constantFrom('production', ''),
        triggers: fc.record({
          manual: fc.record({ roles: fc.array(fc.constantFrom('admin', 'developer', 'boss')) }),
        }),
        steps: fc.array(stepLike, { maxLength: 6 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(workflow, (value) => expectOutcome(stringify(value))),
      { numRuns: 500 },
    );
  });

  it('survives YAML features: anchors, aliases, tags, multiple documents', () => {
    for (const text of [
      'a: &x [*x]',
      '--- a\n--- b',
      '!!binary zz',
      'a: !!int "x"',
      'steps: *nope',
      '{',
      ':',
      '- - - -',
    ]) {
      expectOutcome(text);
    }
  });
});

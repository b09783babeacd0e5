import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isQuorumMet } from '../../../../functions/core/approval/quorum.ts';
import { buildGate } from '../../../../functions/core/approval/request-approval.ts';
import { createMemoryDeps, requestInput, T0 } from '../../../support/approval-fixtures.ts';
import { describeApproverRules, WITH_SECURITY } from '../../../support/approver-rules-scenarios.ts';

describeApproverRules(() => createMemoryDeps());

describe('isQuorumMet', () => {
  it('never opens with fewer distinct approvals than any matched rule requires', () => {
    const people = [
      'alice@acme.com',
      'bob@acme.com',
      'carol@acme.com',
      'dave@acme.com',
      'omar@acme.com',
      'erin@acme.com',
    ];
    const teamOf = fc.subarray(people, { minLength: 1 });
    const rule = fc.record({
      members: teamOf,
      required: fc.integer({ min: 1, max: 3 }),
      shared: fc.boolean(),
      matched: fc.boolean(),
    });
    fc.assert(
      fc.property(
        teamOf,
        fc.integer({ min: 1, max: 3 }),
        fc.array(rule, { maxLength: 3 }),
        fc.subarray(people),
        (base, required, rules, voters) => {
          const person = (email: string) => ({ email, name: email, role: 'developer' as const });
          const gate = buildGate({ directory: WITH_SECURITY, now: () => T0 }, requestInput({ required }));
          gate.approvers = base.map(person);
          gate.config.required = required;
          gate.rules = rules.map((r) => ({
            when: 'true',
            approvers: [],
            people: r.members.map(person),
            required: r.required,
            shared: r.shared,
            matched: r.matched,
            resources: [],
            resources_count: 0,
          }));
          gate.approved_by = voters.map((email) => ({
            email,
            name: email,
            at: new Date(T0).toISOString(),
            channel: 'web',
          }));
          if (!isQuorumMet(gate)) return;
          const matched = [{ members: base, required, shared: false }, ...rules.filter((r) => r.matched)];
          for (const r of matched) {
            expect(voters.filter((v) => r.members.includes(v)).length).toBeGreaterThanOrEqual(r.required);
          }
          const own = matched.filter((r) => !r.shared).reduce((sum, r) => sum + r.required, 0);
          expect(voters.length).toBeGreaterThanOrEqual(own);
        },
      ),
      { numRuns: 500 },
    );
  });
});

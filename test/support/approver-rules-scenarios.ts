/**
 * Approver rules and auto-approval through the use cases, run against memory adapters (unit) and
 * dynalite (integration), so both gate stores keep a gate's rules and its auto-approval.
 */
import { describe, expect, it } from 'vitest';
import { castVote } from '../../functions/core/approval/cast-vote.ts';
import { isEligible } from '../../functions/core/approval/eligibility.ts';
import { buildGateCard } from '../../functions/core/approval/gate-card.ts';
import { buildGate, requestApproval } from '../../functions/core/approval/request-approval.ts';
import type { Gate } from '../../functions/core/ports.ts';
import type {
  ApprovalDecision,
  ApprovalRuleConfig,
  RequestApprovalInput,
} from '../../statemachines/contract.ts';
import type { Directory } from '../../statemachines/schema.ts';
import { DIRECTORY, requestInput, runInfo, T0, type TestDeps } from './approval-fixtures.ts';

/** The fixtures' company, with a security team that shares Dave with the platform leads. */
export const WITH_SECURITY: Directory = {
  ...DIRECTORY,
  teams: { ...DIRECTORY.teams, security: ['dave@acme.com', 'omar@acme.com'] },
};

const NETWORK = 'plan.resources.exists(r, r.type.startsWith("aws_security_group"))';
const TAGS_ONLY = 'plan.resources.all(r, r.changed_attributes.all(a, a == "tags" || a == "tags_all"))';

const SECURITY_RULE: ApprovalRuleConfig = {
  when: NETWORK,
  approvers: ['team:security'],
  required: 1,
  reason: 'network exposure changes need security',
  shared: false,
};

/** A 1-of-platform-leads gate with the security rule, which the plan step found matching `aws_security_group.web`. */
function ruledInput(
  options: { matched?: boolean; shared?: boolean; hash?: string; run?: Parameters<typeof runInfo>[0] } = {},
): RequestApprovalInput {
  const input = requestInput(
    { required: 1, rules: [{ ...SECURITY_RULE, shared: options.shared ?? false }] },
    runInfo(options.run),
  );
  input.data.gate_rules = {
    approve: {
      plan_hash: options.hash ?? 'sha256:abc123',
      matched:
        options.matched === false
          ? []
          : [{ rule: 0, resources: ['aws_security_group.web'], resources_count: 1 }],
    },
  };
  return input;
}

const vote = (gateId: string, voter: string) => ({
  gateId,
  voter,
  decision: 'approve' as const,
  channel: 'web' as const,
});

/** Defines the approver-rule and auto-approval tests for deps built by `makeDeps`. */
export function describeApproverRules(makeDeps: () => TestDeps): void {
  const depsWithSecurity = (): TestDeps => ({ ...makeDeps(), directory: WITH_SECURITY });

  describe('approver rules', () => {
    it('asks the security team beside the platform leads when the plan changes a security group, and the card says why', async () => {
      const deps = depsWithSecurity();
      const { gate } = await requestApproval(deps, ruledInput());
      expect(gate.required).toBe(2);
      expect(gate.approvers.map((a) => a.email)).not.toContain('omar@acme.com');
      expect(
        isEligible(
          gate,
          'omar@acme.com',
          WITH_SECURITY.users.find((u) => u.email === 'omar@acme.com'),
          T0,
        ),
      ).toMatchObject({
        eligible: true,
      });
      const card = buildGateCard(gate, T0, 'https://signoff.example.com');
      expect(card.who.rules.map((r) => r.text)).toEqual([
        'Production approval: 0 of 1 from team:platform-leads',
        'network exposure changes need security: 0 of 1 from team:security; matched aws_security_group.web',
      ]);
      expect(card.headline).toBe('Waiting for 2 more approvals (0 of 2 so far)');
      expect(card.who.mayStillApprove.map((p) => p.email)).toContain('omar@acme.com');
      const [requested] = await deps.audit.readRun(gate.run.id);
      expect(requested?.details?.rules).toEqual([
        {
          when: NETWORK,
          reason: 'network exposure changes need security',
          matched: true,
          approvers: ['team:security'],
          required: 1,
          shared: false,
          resources: ['aws_security_group.web'],
          resources_count: 1,
        },
      ]);
      const outsider = WITH_SECURITY.users.find((u) => u.email === 'erin@acme.com');
      expect(isEligible(gate, 'erin@acme.com', outsider, T0)).toMatchObject({
        code: 'not_approver',
        reason:
          'Erin Manager is not an approver of this gate (approvers: team:platform-leads, team:security).',
      });
    });

    it('opens only once every matched rule has its own approvals', async () => {
      const deps = depsWithSecurity();
      const { gate } = await requestApproval(deps, ruledInput());
      expect(await castVote(deps, vote(gate.gate_id, 'alice@acme.com'))).toMatchObject({ status: 'pending' });
      expect(await castVote(deps, vote(gate.gate_id, 'bob@acme.com'))).toMatchObject({ status: 'pending' });
      expect(deps.engine.calls).toEqual([]);
      expect(await castVote(deps, vote(gate.gate_id, 'omar@acme.com'))).toMatchObject({
        status: 'approved',
        approvals: 3,
      });
      expect(deps.engine.calls).toHaveLength(1);
      const card = buildGateCard(
        (await deps.gates.get(gate.gate_id)) as Gate,
        T0,
        'https://signoff.example.com',
      );
      expect(card.who.rules.map((r) => r.met)).toEqual([true, true]);
    });

    it('counts a person in both teams toward one rule only, unless the rule is shared', async () => {
      const deps = depsWithSecurity();
      const { gate } = await requestApproval(deps, ruledInput());
      // Dave is a platform lead and on the security team: one person, one rule.
      expect(await castVote(deps, vote(gate.gate_id, 'dave@acme.com'))).toMatchObject({ status: 'pending' });
      // Alice takes the platform leads' place, so Dave counts for security.
      expect(await castVote(deps, vote(gate.gate_id, 'alice@acme.com'))).toMatchObject({
        status: 'approved',
      });

      const shared = await requestApproval(deps, ruledInput({ shared: true }));
      expect(shared.gate.required).toBe(1);
      expect(await castVote(deps, vote(shared.gate.gate_id, 'dave@acme.com'))).toMatchObject({
        status: 'approved',
      });
    });

    it('needs only the step’s approvers when no rule matched, and the card says the rule is not needed', async () => {
      const deps = depsWithSecurity();
      const { gate } = await requestApproval(deps, ruledInput({ matched: false }));
      expect(gate.required).toBe(1);
      expect(
        isEligible(
          gate,
          'omar@acme.com',
          WITH_SECURITY.users.find((u) => u.email === 'omar@acme.com'),
          T0,
        ),
      ).toMatchObject({
        eligible: false,
        code: 'not_approver',
      });
      expect(buildGateCard(gate, T0, 'https://x').who.rules[1]?.text).toBe(
        `network exposure changes need security: not needed, the plan does not match ${NETWORK}`,
      );
      expect(await castVote(deps, vote(gate.gate_id, 'alice@acme.com'))).toMatchObject({
        status: 'approved',
      });
    });

    it('applies every rule when the rules were read on another plan than the gate shows, or not at all', () => {
      const deps = { directory: WITH_SECURITY, now: () => T0 };
      const stale = buildGate(deps, ruledInput({ matched: false, hash: 'sha256:older-plan' }));
      expect(stale.rules?.[0]?.matched).toBe(true);
      const unread = ruledInput({ matched: false });
      delete unread.data.gate_rules;
      expect(buildGate(deps, unread).rules?.[0]?.matched).toBe(true);
    });
  });

  describe('auto-approval', () => {
    function autoInput(options: { matched?: boolean; bypass?: boolean } = {}): RequestApprovalInput {
      const input = requestInput(
        { auto_approve: { when: TAGS_ONLY, reason: 'tags-only changes are low risk' } },
        runInfo(options.bypass ? { bypass: true } : {}),
      );
      input.data.gate_rules = {
        approve: {
          plan_hash: 'sha256:abc123',
          matched: [],
          auto_approve: {
            matched: options.matched ?? true,
            values: {
              add: 0,
              change: 1,
              destroy: 0,
              replace: 0,
              resources: { 'aws_instance update': 1 },
              changed_attributes: ['tags'],
            },
          },
        },
      };
      return input;
    }

    it('closes the gate as approved by signoff, audited auto_approved, and every channel says no person approved', async () => {
      const deps = makeDeps();
      const input = autoInput();
      const { gate, outcome } = await requestApproval(deps, input);
      expect(outcome).toBe('auto_approved');
      expect(gate).toMatchObject({
        status: 'approved',
        approved_by: [],
        closed_by: { email: 'system:signoff' },
        auto_approved: { reason: 'tags-only changes are low risk', expression: TAGS_ONLY },
        engine_notified: true,
      });
      const decision = deps.engine.calls[0] as { kind: string; output: ApprovalDecision };
      expect(decision.kind).toBe('success');
      expect(decision.output).toMatchObject({
        approved_by: [],
        approved_by_count: 0,
        auto_approved: { reason: 'tags-only changes are low risk', expression: TAGS_ONLY },
      });
      const events = await deps.audit.readRun(input.run.id);
      expect(events.map((e) => e.action)).toEqual(['auto_approved']);
      expect(events[0]).toMatchObject({
        actor: { email: 'system:signoff', name: 'signoff' },
        reason: 'tags-only changes are low risk',
        details: {
          expression: TAGS_ONLY,
          plan_hash: 'sha256:abc123',
          approved_by_person: false,
          values: { change: 1, destroy: 0, changed_attributes: ['tags'] },
        },
      });
      // Nobody was asked; the channels hear only the decision.
      expect(deps.notifier.sent.map((n) => n.kind)).toEqual(['decided']);
      const card = buildGateCard(gate, T0, 'https://x');
      expect(card.headline).toMatch(
        /^Auto-approved by signoff; no person approved \(reason: tags-only changes are low risk\)/,
      );
      const late = await castVote(deps, vote(gate.gate_id, 'alice@acme.com'));
      expect((late as { reason: string }).reason).toContain('no person approved');
    });

    it('asks people as usual when the expression did not match, and never auto-approves an emergency bypass', async () => {
      for (const input of [autoInput({ matched: false }), autoInput({ bypass: true })]) {
        const deps = makeDeps();
        const { gate, outcome } = await requestApproval(deps, input);
        expect(outcome).toBe('created');
        expect(gate.status).toBe('pending');
        expect(gate.auto_approved).toBeUndefined();
        expect(deps.engine.calls).toEqual([]);
      }
    });
  });
}

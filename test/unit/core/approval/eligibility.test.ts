import { describe, expect, it } from 'vitest';
import { findUser } from '../../../../functions/core/approval/directory.ts';
import {
  closedReason,
  countPossibleApprovers,
  isEligible,
  type RefusalCode,
  refusalStatus,
} from '../../../../functions/core/approval/eligibility.ts';
import { buildGate } from '../../../../functions/core/approval/request-approval.ts';
import type { Gate } from '../../../../functions/core/ports.ts';
import { DIRECTORY, requestInput, T0 } from '../../../support/approval-fixtures.ts';

function gate(overrides: Parameters<typeof requestInput>[0] = {}): Gate {
  return buildGate({ directory: DIRECTORY, now: () => T0 }, requestInput(overrides));
}

const check = (g: Gate, email: string, decision: 'approve' | 'reject' = 'approve', now = T0) =>
  isEligible(g, email, findUser(DIRECTORY, email), now, decision);

describe('isEligible', () => {
  it('accepts a developer or admin named by the gate', () => {
    expect(check(gate(), 'bob@acme.com')).toMatchObject({
      eligible: true,
      approver: { email: 'bob@acme.com' },
    });
    expect(check(gate(), 'alice@acme.com')).toMatchObject({ eligible: true });
  });

  it('lets the requester reject their own run but not approve it', () => {
    const g = gate({ approvers: ['user:jane@acme.com', 'team:platform-leads'] });
    expect(check(g, 'jane@acme.com', 'approve')).toMatchObject({ eligible: false, code: 'self_approval' });
    expect(check(g, 'jane@acme.com', 'reject')).toMatchObject({ eligible: true });
  });

  it('refuses a person demoted to viewer since the request', () => {
    const g = gate();
    const demoted = {
      ...DIRECTORY.users[1],
      role: 'viewer' as const,
      email: 'bob@acme.com',
      name: 'Bob Builder',
    };
    expect(isEligible(g, 'bob@acme.com', demoted, T0)).toMatchObject({ eligible: false, code: 'viewer' });
  });

  it('counts escalated people as approvers', () => {
    const g = gate();
    expect(check(g, 'erin@acme.com')).toMatchObject({ eligible: false, code: 'not_approver' });
    const escalated = {
      ...g,
      escalations: {
        '0': { at: 'x', people: [{ email: 'erin@acme.com', name: 'Erin Manager', role: 'admin' as const }] },
      },
    };
    expect(check(escalated, 'erin@acme.com')).toMatchObject({ eligible: true });
  });

  it.each([
    [900, '15 minute(s)'],
    [90, '90 second(s)'],
    [3600, '1 hour(s)'],
  ])('says how recent a sign-in a gate with max_age %i s asks for as %s', (seconds, age) => {
    const g = gate({ require_signin: { max_age_seconds: seconds } });
    const stale = { auth_time: T0 / 1000 - seconds - 1 };
    const outcome = isEligible(g, 'bob@acme.com', findUser(DIRECTORY, 'bob@acme.com'), T0, 'approve', {
      directory: DIRECTORY,
      channel: 'web',
      signin: stale,
    });
    expect(outcome).toMatchObject({ eligible: false, code: 'fresh_signin_required' });
    expect(outcome.eligible === false && outcome.reason).toContain(` within ${age} of signing in `);
  });
});

describe('closedReason', () => {
  it('says how and when the gate closed', () => {
    const g = gate();
    const at = '2026-11-25T12:30:00.000Z';
    const people = [
      { email: 'alice@acme.com', name: 'Alice Lead', at, channel: 'slack' as const },
      { email: 'bob@acme.com', name: 'Bob Builder', at, channel: 'web' as const },
    ];
    expect(closedReason({ ...g, status: 'approved', closed_at: at, approved_by: people })).toBe(
      'This gate was approved at 2026-11-25T12:30:00Z by Alice Lead and Bob Builder.',
    );
    expect(closedReason({ ...g, status: 'cancelled', closed_at: at })).toBe(
      'This gate was cancelled at 2026-11-25T12:30:00Z.',
    );
  });
});

describe('countPossibleApprovers', () => {
  it('leaves out viewers and the requester unless self-approval is allowed', () => {
    const refs = ['team:platform-leads', 'user:vera@acme.com', 'user:jane@acme.com'];
    expect(countPossibleApprovers(gate({ approvers: refs }))).toBe(4);
    expect(countPossibleApprovers(gate({ approvers: refs, allow_self_approval: true }))).toBe(5);
  });
});

describe('refusalStatus', () => {
  it('answers 404 for no gate, 409 for a gate that no longer takes the vote, 403 otherwise', () => {
    expect(refusalStatus('not_found')).toBe(404);
    expect(['closed', 'expired', 'already_voted'].map((c) => refusalStatus(c as RefusalCode))).toEqual([
      409, 409, 409,
    ]);
    expect(
      ['unknown_user', 'viewer', 'not_approver', 'self_approval'].map((c) => refusalStatus(c as RefusalCode)),
    ).toEqual([403, 403, 403, 403]);
  });
});

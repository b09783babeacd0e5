import { describe, expect, it } from 'vitest';
import { findUser, withIdentities } from '../../../../functions/core/approval/directory.ts';
import { isEligible } from '../../../../functions/core/approval/eligibility.ts';
import { buildGate } from '../../../../functions/core/approval/request-approval.ts';
import type { IdentityRecord } from '../../../../functions/core/auth/identity-store.ts';
import type { Gate, VoteChannel } from '../../../../functions/core/ports.ts';
import type { GateConfig } from '../../../../statemachines/contract.ts';
import { type Directory, directorySchema, toDirectory } from '../../../../statemachines/schema.ts';
import { DIRECTORY, requestInput, T0 } from '../../../support/approval-fixtures.ts';

const DAY = 86_400_000;

/**
 * Alice and Dave have roles in the file (Dave is also in the hand team `leads`); Bob, Carol and
 * Vera are listed without one, so their role comes from their groups; Jane started the run.
 */
const IDP: Directory = toDirectory(
  directorySchema.parse({
    users: [
      { email: 'alice@acme.com', name: 'Alice Lead', role: 'admin', slack: 'U0ALICE' },
      { email: 'Bob@Acme.com', name: 'Bob Builder', slack: 'U0BOB', github: 'bob-b' },
      { email: 'carol@acme.com', name: 'Carol Ops' },
      { email: 'dave@acme.com', name: 'Dave Net', role: 'developer' },
      { email: 'vera@acme.com', name: 'Vera Viewer', role: 'viewer' },
      { email: 'jane@acme.com', name: 'Jane Requester', role: 'developer' },
    ],
    teams: {
      platform: { idp_group: 'okta:platform' },
      sre: { idp_group: ['okta:sre', 'okta:oncall'] },
      leads: ['dave@acme.com'],
    },
    roles: {
      admin: { idp_group: 'okta:admins' },
      developer: { idp_group: ['okta:engineers', 'okta:contractors'] },
      viewer: { idp_group: 'okta:everyone' },
    },
  }),
);

const ISS = 'https://acme.okta.com';

/** A sign-in `ageMs` before T0 with these groups. */
function signin(
  email: string,
  groups: string[],
  ageMs = 0,
  extra: Partial<IdentityRecord> = {},
): IdentityRecord {
  return {
    email,
    name: `${email.split('@')[0]} from the IdP`,
    iss: ISS,
    sub: `sub-${email}`,
    groups,
    signed_in_at: new Date(T0 - ageMs).toISOString(),
    ...extra,
  };
}

describe('withIdentities', () => {
  it('returns the directory itself when it maps no IdP groups, or when nobody has signed in', () => {
    const records = [signin('bob@acme.com', ['okta:platform', 'okta:admins'])];
    expect(withIdentities(DIRECTORY, records, T0)).toBe(DIRECTORY);
    expect(withIdentities(IDP, [], T0)).toBe(IDP);
  });

  it('puts a file user in the IdP teams their groups give, and keeps the file role', () => {
    const merged = withIdentities(IDP, [signin('alice@acme.com', ['okta:platform', 'okta:engineers'])], T0);
    expect(findUser(merged, 'alice@acme.com')).toEqual({
      email: 'alice@acme.com',
      name: 'Alice Lead',
      role: 'admin',
      slack: 'U0ALICE',
    });
    expect(merged.teams).toEqual({ platform: ['alice@acme.com'], sre: [], leads: ['dave@acme.com'] });
    expect(merged.identities).toEqual({
      'alice@acme.com': {
        signed_in_at: new Date(T0).toISOString(),
        stale: false,
        teams: ['platform'],
        role_from_idp: false,
      },
    });
  });

  it('keeps a file role lower than the groups would give', () => {
    const merged = withIdentities(IDP, [signin('vera@acme.com', ['okta:admins', 'okta:sre'])], T0);
    expect(findUser(merged, 'vera@acme.com')?.role).toBe('viewer');
    expect(merged.teams.sre).toEqual(['vera@acme.com']);
    expect(merged.identities?.['vera@acme.com']?.role_from_idp).toBe(false);
  });

  it('gives a person listed without a role the highest role their groups map, with their profile', () => {
    const merged = withIdentities(
      IDP,
      [signin('bob@acme.com', ['okta:everyone', 'okta:admins', 'okta:contractors', 'okta:oncall'])],
      T0,
    );
    expect(findUser(merged, 'bob@acme.com')).toEqual({
      email: 'bob@acme.com',
      name: 'Bob Builder',
      role: 'admin',
      slack: 'U0BOB',
      github: 'bob-b',
    });
    expect(merged.teams.sre).toEqual(['bob@acme.com']);
    expect(merged.identities?.['bob@acme.com']).toMatchObject({ teams: ['sre'], role_from_idp: true });
  });

  it.each([
    [['okta:everyone'], 'viewer'],
    [['okta:everyone', 'okta:contractors'], 'developer'],
    [['okta:engineers', 'okta:everyone'], 'developer'],
  ] as const)('reads groups %j as the role %s', (groups, role) => {
    expect(
      findUser(withIdentities(IDP, [signin('carol@acme.com', [...groups])], T0), 'carol@acme.com')?.role,
    ).toBe(role);
  });

  it('takes someone the file does not list, under the name the IdP gave, when a group maps a role', () => {
    const merged = withIdentities(IDP, [signin('newhire@acme.com', ['okta:engineers', 'okta:platform'])], T0);
    expect(findUser(merged, 'newhire@acme.com')).toEqual({
      email: 'newhire@acme.com',
      name: 'newhire from the IdP',
      role: 'developer',
    });
    expect(merged.teams.platform).toEqual(['newhire@acme.com']);
  });

  it('makes nobody of a person whose groups map no role: not a user, in no team, no standing', () => {
    const merged = withIdentities(IDP, [signin('carol@acme.com', ['okta:platform', 'okta:sre'])], T0);
    expect(findUser(merged, 'carol@acme.com')).toBeUndefined();
    expect(merged.teams).toEqual({ platform: [], sre: [], leads: ['dave@acme.com'] });
    expect(merged.identities).toEqual({});
  });

  it('ignores a revoked record, even of a file user', () => {
    const revoked = { revoked_at: new Date(T0 - 1000).toISOString() };
    const merged = withIdentities(
      IDP,
      [
        signin('bob@acme.com', ['okta:admins', 'okta:platform'], 0, revoked),
        signin('alice@acme.com', ['okta:platform'], 0, revoked),
      ],
      T0,
    );
    expect(findUser(merged, 'bob@acme.com')).toBeUndefined();
    expect(findUser(merged, 'alice@acme.com')?.role).toBe('admin');
    expect(merged.teams.platform).toEqual([]);
    expect(merged.identities).toEqual({});
  });

  it('marks a sign-in stale once it is older than identity_max_age (7 days by default)', () => {
    const at = (ageMs: number) =>
      withIdentities(IDP, [signin('bob@acme.com', ['okta:engineers'], ageMs)], T0).identities?.[
        'bob@acme.com'
      ]?.stale;
    expect(IDP.idp?.max_age_seconds).toBe(7 * 86400);
    expect(at(7 * DAY)).toBe(false);
    expect(at(7 * DAY + 1000)).toBe(true);
    const shortLived = {
      ...IDP,
      idp: { ...(IDP.idp as NonNullable<Directory['idp']>), max_age_seconds: 3600 },
    };
    const record = signin('bob@acme.com', ['okta:engineers'], 2 * 3600_000);
    expect(withIdentities(shortLived, [record], T0).identities?.['bob@acme.com']?.stale).toBe(true);
    // A stale sign-in still says who the person is: the role and teams stand, the vote check decides.
    expect(findUser(withIdentities(shortLived, [record], T0), 'bob@acme.com')?.role).toBe('developer');
  });

  it('merges several people and leaves the directory it was given untouched', () => {
    const before = structuredClone(IDP);
    const merged = withIdentities(
      IDP,
      [
        signin('bob@acme.com', ['okta:engineers', 'okta:platform']),
        signin('dave@acme.com', ['okta:platform', 'okta:sre']),
        signin('carol@acme.com', ['okta:platform']),
      ],
      T0,
    );
    expect(merged.teams).toEqual({
      platform: ['bob@acme.com', 'dave@acme.com'],
      sre: ['dave@acme.com'],
      leads: ['dave@acme.com'],
    });
    expect(Object.keys(merged.identities ?? {})).toEqual(['bob@acme.com', 'dave@acme.com']);
    expect(IDP).toEqual(before);
  });
});

// --- isEligible, with the voter's sign-in merged in -------------------------------------------

/** A pending gate opened at T0 against the directory as these sign-ins made it. */
function gateFor(records: IdentityRecord[], config: Partial<GateConfig>, base = IDP): Gate {
  const directory = withIdentities(base, records, T0);
  return buildGate({ directory, now: () => T0 }, requestInput({ required: 1, ...config }));
}

/** Whether `email` may approve now, their latest sign-in being `record`. */
function vote(
  gate: Gate,
  email: string,
  record: IdentityRecord | undefined,
  channel: VoteChannel = 'slack',
  base = IDP,
) {
  const directory = withIdentities(base, record ? [record] : [], T0);
  return isEligible(gate, email, findUser(directory, email), T0, 'approve', { directory, channel });
}

const STALE = 8 * DAY;

describe('isEligible with the voter’s sign-in', () => {
  const bobIn = (groups: string[], ageMs = 0) => signin('bob@acme.com', ['okta:engineers', ...groups], ageMs);
  const platformGate = () => gateFor([bobIn(['okta:platform'])], { approvers: ['team:platform'] });

  it('accepts someone still in the gate’s IdP team', () => {
    const gate = platformGate();
    expect(gate.approvers.map((p) => p.email)).toEqual(['bob@acme.com']);
    expect(vote(gate, 'bob@acme.com', bobIn(['okta:platform']))).toEqual({
      eligible: true,
      approver: { email: 'bob@acme.com', name: 'Bob Builder', role: 'developer', slack: 'U0BOB' },
    });
  });

  it.each(['slack', 'web'] as const)('refuses someone since removed from the IdP group (%s)', (channel) => {
    const outcome = vote(platformGate(), 'bob@acme.com', bobIn(['okta:sre']), channel);
    expect(outcome).toMatchObject({ eligible: false, code: 'not_approver' });
    expect(outcome.eligible === false && outcome.reason).toBe(
      'Bob Builder is no longer an approver of this gate (approvers: team:platform).',
    );
  });

  it('refuses a file user whose record was revoked when only an IdP team named them', () => {
    const alice = signin('alice@acme.com', ['okta:platform']);
    const gate = gateFor([alice], { approvers: ['team:platform'] });
    const revoked = { ...alice, revoked_at: new Date(T0).toISOString() };
    expect(vote(gate, 'alice@acme.com', revoked)).toMatchObject({ eligible: false, code: 'not_approver' });
  });

  it.each(['slack', 'email', 'api', 'cli'] as const)(
    'asks for a new sign-in when the only way in is a stale one (%s)',
    (channel) => {
      const outcome = vote(platformGate(), 'bob@acme.com', bobIn(['okta:platform'], STALE), channel);
      expect(outcome).toMatchObject({ eligible: false, code: 'signin_needed' });
      expect(outcome.eligible === false && outcome.reason).toBe(
        `Bob Builder last signed in to signoff on 2026-11-17, more than 7 day(s) ago, and approves through the identity provider's groups: sign in to signoff once, then vote again.`,
      );
    },
  );

  it.each([
    [12 * 3600, '12 hour(s)'],
    [90 * 60, '90 minute(s)'],
    [30 * 60, '30 minute(s)'],
    [45, '45 second(s)'],
  ])('says how old a sign-in may be (identity_max_age of %i s) as %s', (seconds, age) => {
    const base = { ...IDP, idp: { ...(IDP.idp as NonNullable<Directory['idp']>), max_age_seconds: seconds } };
    const gate = gateFor([bobIn(['okta:platform'])], { approvers: ['team:platform'] }, base);
    const outcome = vote(gate, 'bob@acme.com', bobIn(['okta:platform'], DAY), 'slack', base);
    expect(outcome.eligible === false && outcome.reason).toContain(`, more than ${age} ago,`);
  });

  it('takes the vote of a stale sign-in from the web, where the voter is signed in', () => {
    expect(vote(platformGate(), 'bob@acme.com', bobIn(['okta:platform'], STALE), 'web')).toMatchObject({
      eligible: true,
    });
  });

  it('takes a stale voter’s vote when the file also names them (hand team, user ref, file role)', () => {
    const dave = (ageMs: number) => signin('dave@acme.com', ['okta:platform'], ageMs);
    for (const extra of ['team:leads', 'user:dave@acme.com', 'role:developer']) {
      const gate = gateFor([dave(0)], { approvers: ['team:platform', extra] });
      expect(vote(gate, 'dave@acme.com', dave(STALE)), extra).toMatchObject({ eligible: true });
    }
    const onlyIdp = gateFor([dave(0)], { approvers: ['team:platform'] });
    expect(vote(onlyIdp, 'dave@acme.com', dave(STALE))).toMatchObject({ code: 'signin_needed' });
  });

  it('asks for a new sign-in when a hand team names someone whose role only their groups give', () => {
    // Bob is listed without a role: the file puts him in the team, but only his groups make him
    // a developer, and a stale sign-in cannot say he still is one.
    const withReviewers = { ...IDP, teams: { ...IDP.teams, reviewers: ['bob@acme.com'] } };
    const gate = gateFor([bobIn([])], { approvers: ['team:leads', 'team:reviewers'] }, withReviewers);
    expect(gate.approvers.map((p) => p.email)).toEqual(['dave@acme.com', 'bob@acme.com']);
    expect(vote(gate, 'bob@acme.com', bobIn([]), 'slack', withReviewers)).toMatchObject({ eligible: true });
    expect(vote(gate, 'bob@acme.com', bobIn([], STALE), 'slack', withReviewers)).toMatchObject({
      eligible: false,
      code: 'signin_needed',
    });
    expect(vote(gate, 'bob@acme.com', bobIn([], STALE), 'web', withReviewers)).toMatchObject({
      eligible: true,
    });
  });

  it('treats a role that IdP groups gave as a sign-in: stale needs a new one, lost means no longer', () => {
    const gate = gateFor([bobIn([])], { approvers: ['role:developer'] });
    expect(gate.approvers.map((p) => p.email)).toContain('bob@acme.com');
    expect(vote(gate, 'bob@acme.com', bobIn([]))).toMatchObject({ eligible: true });
    expect(vote(gate, 'bob@acme.com', bobIn([], STALE))).toMatchObject({ code: 'signin_needed' });
    const promoted = signin('bob@acme.com', ['okta:admins']);
    expect(vote(gate, 'bob@acme.com', promoted)).toMatchObject({ code: 'not_approver' });
  });

  it('counts the refs of a matched approver rule, not those of a rule the plan did not match', () => {
    const gate = gateFor([bobIn(['okta:sre'])], { approvers: ['team:leads'] });
    const rule = {
      when: 'true',
      approvers: ['team:sre'],
      people: [{ email: 'bob@acme.com', name: 'Bob Builder', role: 'developer' as const }],
      required: 1,
      shared: false,
      matched: true,
      resources: [],
      resources_count: 0,
    };
    expect(vote({ ...gate, rules: [rule] }, 'bob@acme.com', bobIn(['okta:sre']))).toMatchObject({
      eligible: true,
    });
    // An unmatched rule asks nobody; with bob asked some other way, its refs still do not count.
    const asked = { ...gate, approvers: [...gate.approvers, ...rule.people] };
    expect(
      vote({ ...asked, rules: [{ ...rule, matched: false }] }, 'bob@acme.com', bobIn(['okta:sre'])),
    ).toMatchObject({ eligible: false, code: 'not_approver' });
  });

  it('counts the refs of an escalation level that fired, and only of one that fired', () => {
    const escalation = [
      { after_seconds: 600, approvers: ['team:sre'] },
      { after_seconds: 1200, approvers: ['team:platform'] },
    ];
    const gate = gateFor([], { approvers: ['team:leads'], escalation });
    const bob = { email: 'bob@acme.com', name: 'Bob Builder', role: 'developer' as const };
    const fired = { ...gate, escalations: { '0': { at: new Date(T0).toISOString(), people: [bob] } } };
    expect(vote(fired, 'bob@acme.com', bobIn(['okta:oncall']))).toMatchObject({ eligible: true });
    expect(vote(fired, 'bob@acme.com', bobIn(['okta:oncall'], STALE))).toMatchObject({
      code: 'signin_needed',
    });
    // Moved from sre to platform since level 0 asked him: level 1 (platform) has not fired.
    expect(vote(fired, 'bob@acme.com', bobIn(['okta:platform']))).toMatchObject({ code: 'not_approver' });
    const both = {
      ...fired,
      escalations: { ...fired.escalations, '1': { at: fired.escalations['0'].at, people: [] } },
    };
    expect(vote(both, 'bob@acme.com', bobIn(['okta:platform']))).toMatchObject({ eligible: true });
  });

  it('checks the requester’s sign-in before refusing their own approval as self-approval', () => {
    const jane = (ageMs: number) => signin('jane@acme.com', ['okta:platform'], ageMs);
    const gate = gateFor([jane(0)], { approvers: ['team:platform'] });
    expect(vote(gate, 'jane@acme.com', jane(0))).toMatchObject({ code: 'self_approval' });
    expect(vote(gate, 'jane@acme.com', jane(STALE))).toMatchObject({ code: 'signin_needed' });
  });

  it('without a context, or with a directory that maps no groups, judges as before', () => {
    const gate = platformGate();
    const lost = withIdentities(IDP, [bobIn(['okta:sre'], STALE)], T0);
    const user = findUser(lost, 'bob@acme.com');
    expect(isEligible(gate, 'bob@acme.com', user, T0)).toMatchObject({ eligible: true });
    const plain = { users: lost.users, teams: lost.teams };
    expect(
      isEligible(gate, 'bob@acme.com', user, T0, 'approve', { directory: plain, channel: 'slack' }),
    ).toMatchObject({ eligible: true });
  });
});

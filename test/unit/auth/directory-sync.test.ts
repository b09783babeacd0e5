import { describe, expect, it } from 'vitest';
import { MemoryAuthStore } from '../../../functions/adapters/memory-auth-store.ts';
import { MemoryIdentityStore } from '../../../functions/adapters/memory-identity-store.ts';
import { directoryNow } from '../../../functions/core/approval/approval-deps.ts';
import { castVote } from '../../../functions/core/approval/cast-vote.ts';
import { findUser } from '../../../functions/core/approval/directory.ts';
import { isEligible } from '../../../functions/core/approval/eligibility.ts';
import { requestApproval } from '../../../functions/core/approval/request-approval.ts';
import { authKey } from '../../../functions/core/auth/auth-store.ts';
import { listIdentities, revokeIdentity } from '../../../functions/core/auth/directory-sync.ts';
import type { IdentityRecord } from '../../../functions/core/auth/identity-store.ts';
import { type Directory, directorySchema, toDirectory } from '../../../statemachines/schema.ts';
import { createMemoryDeps, requestInput, T0 } from '../../support/approval-fixtures.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Alice is the admin and Dave a developer by the file; Bob and Carol get their role from their groups. */
const IDP: Directory = toDirectory(
  directorySchema.parse({
    users: [
      { email: 'alice@acme.com', name: 'Alice Lead', role: 'admin' },
      { email: 'bob@acme.com', name: 'Bob Builder' },
      { email: 'carol@acme.com', name: 'Carol Ops' },
      { email: 'dave@acme.com', name: 'Dave Net', role: 'developer' },
      { email: 'jane@acme.com', name: 'Jane Requester', role: 'developer' },
    ],
    teams: { platform: { idp_group: 'okta:platform' }, sre: { idp_group: 'okta:sre' } },
    roles: { developer: { idp_group: 'okta:engineers' } },
  }),
);

const PLATFORM = ['okta:platform', 'okta:engineers'];

function signin(email: string, groups: string[], at: number): IdentityRecord {
  return {
    email,
    name: `${email.split('@')[0]} from the IdP`,
    iss: 'https://acme.okta.com',
    sub: `sub-${email}`,
    groups,
    signed_in_at: new Date(at).toISOString(),
  };
}

async function setup(records: IdentityRecord[]) {
  const identities = new MemoryIdentityStore();
  for (const record of records) expect(await identities.recordSignin(record)).toBe('stored');
  const auth = new MemoryAuthStore();
  const deps = { ...createMemoryDeps(), directory: IDP, identities, auth };
  const session = async (email: string, secret: string) =>
    auth.putIfAbsent({
      key: authKey('session', secret),
      kind: 'session',
      email,
      created_at: new Date(T0).toISOString(),
      expires_at: new Date(T0 + 12 * HOUR).toISOString(),
      csrf: 'csrf',
    });
  const trail = async () => deps.audit.readRun('signin-2026-11-25');
  return { deps, identities, auth, session, trail };
}

describe('listIdentities', () => {
  it('lists every record by email with the role and IdP teams the mappings give now, stale ones marked', async () => {
    const { deps } = await setup([
      signin('dave@acme.com', ['okta:sre'], T0 - HOUR),
      signin('bob@acme.com', PLATFORM, T0 - 2 * DAY),
      signin('carol@acme.com', ['okta:platform'], T0 - 9 * DAY),
    ]);
    const outcome = await listIdentities(deps, 'alice@acme.com');
    expect(outcome).toEqual({
      kind: 'ok',
      identities: [
        {
          email: 'bob@acme.com',
          name: 'bob from the IdP',
          signed_in_at: new Date(T0 - 2 * DAY).toISOString(),
          age_days: 2,
          stale: false,
          role: 'developer',
          teams_from_idp: ['platform'],
          groups: PLATFORM,
        },
        {
          // Her groups give no role: she is nobody, whatever team they would put her in.
          email: 'carol@acme.com',
          name: 'carol from the IdP',
          signed_in_at: new Date(T0 - 9 * DAY).toISOString(),
          age_days: 9,
          stale: true,
          role: 'none',
          teams_from_idp: [],
          groups: ['okta:platform'],
        },
        {
          email: 'dave@acme.com',
          name: 'dave from the IdP',
          signed_in_at: new Date(T0 - HOUR).toISOString(),
          age_days: 0,
          stale: false,
          role: 'developer',
          teams_from_idp: ['sre'],
          groups: ['okta:sre'],
        },
      ],
    });
  });

  it('refuses anyone but an admin with 403, audited as refused', async () => {
    const { deps, trail } = await setup([signin('bob@acme.com', PLATFORM, T0 - HOUR)]);
    expect(await listIdentities(deps, 'bob@acme.com')).toEqual({
      kind: 'refused',
      status: 403,
      message: 'only admins may list or revoke identity records',
    });
    expect(await trail()).toEqual([
      expect.objectContaining({
        action: 'refused',
        actor: { email: 'bob@acme.com', name: 'Bob Builder' },
        workflow: '*',
        details: { attempted: 'directory_list', role: 'developer' },
      }),
    ]);
  });
});

describe('revokeIdentity', () => {
  it('revokes the record, ends every session of the person and audits it; the next vote is refused', async () => {
    const { deps, auth, session, trail } = await setup([
      signin('bob@acme.com', PLATFORM, T0 - HOUR),
      signin('dave@acme.com', ['okta:platform'], T0 - HOUR),
    ]);
    const input = requestInput({ approvers: ['team:platform'], required: 2 });
    const { gate } = await requestApproval(deps, input);
    expect(gate.approvers.map((p) => p.email)).toEqual(['bob@acme.com', 'dave@acme.com']);
    await session('bob@acme.com', 'bob-laptop');
    await session('bob@acme.com', 'bob-phone');
    await session('dave@acme.com', 'dave-laptop');
    await auth.putIfAbsent({
      key: authKey('api_token', 'bob-ci'),
      kind: 'api_token',
      email: 'bob@acme.com',
      created_at: new Date(T0).toISOString(),
    });

    expect(await revokeIdentity(deps, 'alice@acme.com', 'Bob@Acme.com')).toEqual({
      kind: 'revoked',
      email: 'bob@acme.com',
      revoked_at: new Date(T0).toISOString(),
      sessions_ended: 2,
    });
    expect(await auth.get(authKey('session', 'bob-laptop'))).toBeUndefined();
    expect(await auth.get(authKey('session', 'bob-phone'))).toBeUndefined();
    expect(await auth.get(authKey('session', 'dave-laptop'))).toBeDefined();
    expect((await auth.listByUser('bob@acme.com')).map((r) => r.kind)).toEqual(['api_token']);
    expect(await trail()).toEqual([
      expect.objectContaining({
        action: 'identity_revoked',
        actor: { email: 'alice@acme.com', name: 'Alice Lead' },
        workflow: '*',
        run_id: 'signin-2026-11-25',
        details: { email: 'bob@acme.com', sessions_ended: 2 },
      }),
    ]);

    // Bob's role came from his groups: without the record he is nobody.
    const bobs = await directoryNow(deps, 'bob@acme.com');
    expect(findUser(bobs, 'bob@acme.com')).toBeUndefined();
    expect(bobs.teams.platform).toEqual([]);
    expect(
      await castVote(deps, {
        gateId: gate.gate_id,
        voter: 'bob@acme.com',
        decision: 'approve',
        channel: 'slack',
      }),
    ).toMatchObject({ kind: 'refused', code: 'unknown_user' });

    // Dave keeps his file role but no longer has the IdP team the gate asked.
    await revokeIdentity(deps, 'alice@acme.com', 'dave@acme.com');
    const daves = await directoryNow(deps, 'dave@acme.com');
    const dave = findUser(daves, 'dave@acme.com');
    expect(dave?.role).toBe('developer');
    expect(daves.identities?.['dave@acme.com']).toBeUndefined();
    const stored = await deps.gates.get(gate.gate_id);
    expect(
      isEligible(stored as NonNullable<typeof stored>, 'dave@acme.com', dave, T0, 'approve', {
        directory: daves,
        channel: 'slack',
      }),
    ).toMatchObject({ eligible: false, code: 'not_approver' });
    expect((await deps.gates.get(gate.gate_id))?.approved_by).toEqual([]);
  });

  it('says a second revoke found the record revoked, and changes nothing', async () => {
    const { deps, identities, session, trail } = await setup([signin('bob@acme.com', PLATFORM, T0 - HOUR)]);
    await revokeIdentity(deps, 'alice@acme.com', 'bob@acme.com');
    const before = await identities.get('bob@acme.com');
    await session('bob@acme.com', 'bob-new');
    expect(await revokeIdentity(deps, 'alice@acme.com', 'bob@acme.com')).toEqual({
      kind: 'already_revoked',
      email: 'bob@acme.com',
      revoked_at: new Date(T0).toISOString(),
      sessions_ended: 0,
    });
    expect(await identities.get('bob@acme.com')).toEqual(before);
    expect((await trail()).map((e) => e.action)).toEqual(['identity_revoked']);
  });

  it('answers 404 for an email nobody signed in as, 400 for a malformed one, and changes nothing', async () => {
    const { deps, identities, trail } = await setup([signin('bob@acme.com', PLATFORM, T0 - HOUR)]);
    expect(await revokeIdentity(deps, 'alice@acme.com', 'nobody@acme.com')).toMatchObject({
      kind: 'refused',
      status: 404,
    });
    for (const bad of ['', 'bob', 'bob@', 'bob @acme.com', `${'x'.repeat(250)}@acme.com`])
      expect(await revokeIdentity(deps, 'alice@acme.com', bad)).toMatchObject({
        kind: 'refused',
        status: 400,
      });
    expect((await identities.get('bob@acme.com'))?.revoked_at).toBeUndefined();
    expect(await trail()).toEqual([]);
  });

  it('refuses anyone but an admin with 403, audited, before reading the email', async () => {
    const { deps, identities, session, auth, trail } = await setup([
      signin('bob@acme.com', PLATFORM, T0 - HOUR),
      signin('dave@acme.com', PLATFORM, T0 - HOUR),
    ]);
    await session('bob@acme.com', 'bob-laptop');
    expect(await revokeIdentity(deps, 'dave@acme.com', 'bob@acme.com')).toMatchObject({
      kind: 'refused',
      status: 403,
    });
    expect(await revokeIdentity(deps, 'stranger@evil.com', 'not an email')).toMatchObject({
      kind: 'refused',
      status: 403,
    });
    expect((await identities.get('bob@acme.com'))?.revoked_at).toBeUndefined();
    expect(await auth.get(authKey('session', 'bob-laptop'))).toBeDefined();
    expect((await trail()).map((e) => [e.action, e.actor.email, e.details?.attempted])).toEqual([
      ['refused', 'dave@acme.com', 'identity_revoke'],
      ['refused', 'stranger@evil.com', 'identity_revoke'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { MemoryIdentityStore } from '../../../../functions/adapters/memory-identity-store.ts';
import { castVote, type VoteRequest } from '../../../../functions/core/approval/cast-vote.ts';
import { requestApproval } from '../../../../functions/core/approval/request-approval.ts';
import type { IdentityRecord } from '../../../../functions/core/auth/identity-store.ts';
import type { GateConfig } from '../../../../statemachines/contract.ts';
import { type Directory, directorySchema, toDirectory } from '../../../../statemachines/schema.ts';
import { createMemoryDeps, requestInput, T0 } from '../../../support/approval-fixtures.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Bob and Carol approve through their groups; Dave has a file role but has never signed in. */
const IDP: Directory = toDirectory(
  directorySchema.parse({
    users: [
      { email: 'bob@acme.com', name: 'Bob Builder', slack: 'U0BOB' },
      { email: 'carol@acme.com', name: 'Carol Ops' },
      { email: 'dave@acme.com', name: 'Dave Net', role: 'developer' },
      { email: 'jane@acme.com', name: 'Jane Requester', role: 'developer' },
    ],
    teams: {
      platform: { idp_group: 'okta:platform' },
      sre: { idp_group: 'okta:sre' },
    },
    roles: { developer: { idp_group: 'okta:engineers' } },
  }),
);

function signin(email: string, groups: string[], at: number): IdentityRecord {
  return {
    email,
    name: email,
    iss: 'https://acme.okta.com',
    sub: `sub-${email}`,
    groups,
    signed_in_at: new Date(at).toISOString(),
  };
}

async function setup(records: IdentityRecord[], gate: Partial<GateConfig> = {}) {
  const identities = new MemoryIdentityStore();
  for (const record of records) expect(await identities.recordSignin(record)).toBe('stored');
  const deps = { ...createMemoryDeps(), directory: IDP, identities };
  const input = requestInput({ approvers: ['team:platform'], required: 2, ...gate });
  const { gate: opened } = await requestApproval(deps, input);
  const click = (voter: string, overrides: Partial<VoteRequest> = {}) =>
    castVote(deps, { gateId: opened.gate_id, voter, decision: 'approve', channel: 'slack', ...overrides });
  const events = async (action: string) =>
    (await deps.audit.readRun(input.run.id)).filter((e) => e.action === action);
  return { deps, identities, gate: opened, click, events };
}

const PLATFORM = ['okta:platform', 'okta:engineers'];

describe('castVote with approvers from IdP groups', () => {
  it('asks the people who signed in with the team’s group, and counts their Slack vote', async () => {
    const { deps, gate, click } = await setup([
      signin('bob@acme.com', PLATFORM, T0 - HOUR),
      signin('carol@acme.com', PLATFORM, T0 - 2 * DAY),
    ]);
    expect(gate.approvers).toEqual([
      { email: 'bob@acme.com', name: 'Bob Builder', role: 'developer', slack: 'U0BOB' },
      { email: 'carol@acme.com', name: 'Carol Ops', role: 'developer' },
    ]);
    expect(deps.notifier.sent.map((n) => [n.kind, n.gate.approvers.map((p) => p.email)])).toEqual([
      ['requested', ['bob@acme.com', 'carol@acme.com']],
    ]);
    expect(await click('bob@acme.com')).toEqual({
      kind: 'counted',
      gate_id: gate.gate_id,
      decision: 'approve',
      status: 'pending',
      approvals: 1,
      required: 2,
    });
    expect(await click('carol@acme.com')).toMatchObject({
      kind: 'counted',
      status: 'approved',
      approvals: 2,
    });
  });

  it('refuses a Slack vote resting on a sign-in 8 days old, audits why, and counts nothing', async () => {
    const { deps, gate, click, events } = await setup([
      signin('bob@acme.com', PLATFORM, T0 - HOUR),
      signin('carol@acme.com', PLATFORM, T0 - 8 * DAY),
    ]);
    expect(gate.approvers.map((p) => p.email)).toContain('carol@acme.com');
    const outcome = await click('carol@acme.com');
    expect(outcome).toMatchObject({ kind: 'refused', code: 'signin_needed', status: 'pending' });
    expect(outcome.kind === 'refused' && outcome.reason).toMatch(/sign in to signoff once, then vote again/);
    const refused = await events('refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      actor: { email: 'carol@acme.com', name: 'Carol Ops' },
      channel: 'slack',
      details: { decision: 'approve', code: 'signin_needed' },
    });
    expect(refused[0]?.reason).toBe(outcome.kind === 'refused' ? outcome.reason : '');
    expect(await events('approved')).toEqual([]);
    expect((await deps.gates.get(gate.gate_id))?.approved_by).toEqual([]);
    expect(await deps.votes.list(gate.gate_id)).toEqual([]);
  });

  it('counts the same click once after the person signs in again', async () => {
    const { deps, identities, gate, click, events } = await setup([
      signin('carol@acme.com', PLATFORM, T0 - 8 * DAY),
    ]);
    expect(await click('carol@acme.com')).toMatchObject({ kind: 'refused', code: 'signin_needed' });
    deps.clock.advance(5 * 60_000);
    expect(await identities.recordSignin(signin('carol@acme.com', PLATFORM, deps.now()))).toBe('stored');
    const counted = await click('carol@acme.com');
    expect(counted).toMatchObject({ kind: 'counted', approvals: 1, status: 'pending' });
    // Slack re-sends the click: the first answer again, not a second approval.
    expect(await click('carol@acme.com')).toEqual(counted);
    expect((await deps.gates.get(gate.gate_id))?.approved_by.map((a) => a.email)).toEqual(['carol@acme.com']);
    expect((await events('approved')).map((e) => e.actor.email)).toEqual(['carol@acme.com']);
    expect((await events('refused')).map((e) => e.details?.code)).toEqual(['signin_needed']);
  });

  it('takes a stale sign-in’s vote from the web, where the person is signed in', async () => {
    const { click } = await setup([signin('carol@acme.com', PLATFORM, T0 - 8 * DAY)]);
    expect(await click('carol@acme.com', { channel: 'web' })).toMatchObject({
      kind: 'counted',
      approvals: 1,
    });
  });

  it('refuses someone whose last sign-in no longer has the team’s group', async () => {
    const { deps, identities, gate, click, events } = await setup([
      signin('bob@acme.com', PLATFORM, T0 - HOUR),
    ]);
    expect(gate.approvers.map((p) => p.email)).toEqual(['bob@acme.com']);
    expect(await identities.recordSignin(signin('bob@acme.com', ['okta:engineers', 'okta:sre'], T0))).toBe(
      'stored',
    );
    const outcome = await click('bob@acme.com');
    expect(outcome).toMatchObject({ kind: 'refused', code: 'not_approver' });
    expect(outcome.kind === 'refused' && outcome.reason).toBe(
      'Bob Builder is no longer an approver of this gate (approvers: team:platform).',
    );
    expect((await events('refused')).map((e) => e.details?.code)).toEqual(['not_approver']);
    expect((await deps.gates.get(gate.gate_id))?.approved_by).toEqual([]);
  });

  it('refuses someone whose groups no longer give any role as not in the directory', async () => {
    const { identities, click } = await setup([signin('bob@acme.com', PLATFORM, T0 - HOUR)]);
    await identities.recordSignin(signin('bob@acme.com', ['okta:platform'], T0));
    expect(await click('bob@acme.com')).toMatchObject({ kind: 'refused', code: 'unknown_user' });
  });

  it('does not ask someone who never signed in, and says when nobody of a team has', async () => {
    const { deps, gate, click, events } = await setup([signin('bob@acme.com', PLATFORM, T0 - HOUR)], {
      approvers: ['team:platform', 'team:sre'],
      required: 1,
    });
    expect(gate.approvers.map((p) => p.email)).toEqual(['bob@acme.com']);
    expect(gate.unresolved).toEqual(['team:sre (nobody in its IdP groups has signed in to signoff yet)']);
    expect((await events('requested'))[0]?.details).toMatchObject({
      approvers: ['bob@acme.com'],
      unresolved: ['team:sre (nobody in its IdP groups has signed in to signoff yet)'],
    });
    expect(deps.log.lines.some((l) => l.message === 'gate approvers look wrong')).toBe(true);
    // Dave's groups would put him in the team, but signoff has never seen them.
    expect(await click('dave@acme.com')).toMatchObject({ kind: 'refused', code: 'not_approver' });
    expect(await click('carol@acme.com')).toMatchObject({ kind: 'refused', code: 'unknown_user' });
  });

  it('does not ask someone whose record was revoked', async () => {
    const identities = new MemoryIdentityStore();
    await identities.recordSignin(signin('bob@acme.com', PLATFORM, T0 - HOUR));
    await identities.revoke('bob@acme.com', new Date(T0 - 60_000).toISOString());
    const deps = { ...createMemoryDeps(), directory: IDP, identities };
    const { gate } = await requestApproval(deps, requestInput({ approvers: ['team:platform'], required: 1 }));
    expect(gate.approvers).toEqual([]);
    expect(gate.unresolved).toEqual([
      'team:platform (nobody in its IdP groups has signed in to signoff yet)',
    ]);
  });
});

/**
 * The identity records and the auth store's single-use `take` and `listByUser`, on dynalite and
 * in memory: the same cases against both, so the memory store the unit tests use is never kinder
 * than DynamoDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuthStore } from '../../../functions/adapters/dynamodb-auth-store.ts';
import { DynamoDbIdentityStore } from '../../../functions/adapters/dynamodb-identity-store.ts';
import { MemoryAuthStore } from '../../../functions/adapters/memory-auth-store.ts';
import { MemoryIdentityStore } from '../../../functions/adapters/memory-identity-store.ts';
import { type AuthRecord, type AuthStore, authKey } from '../../../functions/core/auth/auth-store.ts';
import type {
  IdentityRecord,
  IdentityStore,
  RecordOutcome,
} from '../../../functions/core/auth/identity-store.ts';
import { PENDING_EMAIL } from '../../../functions/core/auth/oidc.ts';
import { T0 } from '../../support/approval-fixtures.ts';
import { connectDynalite, type Dynalite, startDynalite } from '../../support/dynalite.ts';

let server: Dynalite;
const opened: Dynalite[] = [];
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(async () => {
  for (const db of opened) await db.stop();
  await server?.stop();
});

interface Stores {
  identities: IdentityStore;
  auth: AuthStore;
}

/** Each case gets empty stores: fresh tables on the one dynalite, or new maps. */
const kinds: { name: string; fresh: () => Promise<Stores> }[] = [
  {
    name: 'DynamoDB (dynalite)',
    fresh: async () => {
      const db = await connectDynalite(server.endpoint, async () => {});
      opened.push(db);
      return {
        identities: new DynamoDbIdentityStore(db.docClient, db.tableNames.auth),
        auth: new DynamoDbAuthStore(db.docClient, db.tableNames.auth),
      };
    },
  },
  {
    name: 'memory',
    fresh: async () => ({ identities: new MemoryIdentityStore(), auth: new MemoryAuthStore() }),
  },
];

const ISS = 'https://acme.okta.com';
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

function record(overrides: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    email: 'bob@acme.com',
    name: 'Bob Builder',
    iss: ISS,
    sub: 'sub-bob',
    groups: ['okta:platform', 'okta:engineers'],
    signed_in_at: iso(0),
    auth_time: Math.floor(T0 / 1000) - 30,
    amr: ['pwd', 'mfa'],
    ...overrides,
  };
}

/** A sign-in that comes second, and what the store must then hold. */
interface SigninCase {
  name: string;
  first: IdentityRecord;
  revokeFirst?: boolean;
  second: IdentityRecord;
  outcome: RecordOutcome;
  /** The record `get` returns afterwards: the first or the second. */
  holds: 'first' | 'second';
}

const signinCases: SigninCase[] = [
  {
    name: 'a later sign-in of the same subject replaces the record',
    first: record(),
    second: record({ groups: ['okta:sre'], signed_in_at: iso(60_000), amr: ['pwd'] }),
    outcome: 'stored',
    holds: 'second',
  },
  {
    name: 'a sign-in of the same subject at the same instant is older',
    first: record(),
    second: record({ groups: ['okta:sre'] }),
    outcome: 'older',
    holds: 'first',
  },
  {
    name: 'an earlier sign-in of the same subject (a race lost) is older',
    first: record(),
    second: record({ groups: ['okta:sre'], signed_in_at: iso(-60_000) }),
    outcome: 'older',
    holds: 'first',
  },
  {
    name: 'another subject at the same IdP is a conflict',
    first: record(),
    second: record({ sub: 'sub-mallory', signed_in_at: iso(60_000) }),
    outcome: 'conflict',
    holds: 'first',
  },
  {
    name: 'the same subject at another IdP is a conflict',
    first: record(),
    second: record({ iss: 'https://evil.example.com', signed_in_at: iso(60_000) }),
    outcome: 'conflict',
    holds: 'first',
  },
  {
    name: 'another subject with the email in other letter case is a conflict',
    first: record(),
    second: record({ email: 'BOB@acme.com', sub: 'sub-mallory', signed_in_at: iso(60_000) }),
    outcome: 'conflict',
    holds: 'first',
  },
  {
    name: 'a revoked record is replaced by a sign-in of another subject',
    first: record(),
    revokeFirst: true,
    second: record({ sub: 'sub-bob-new', groups: [], signed_in_at: iso(60_000) }),
    outcome: 'stored',
    holds: 'second',
  },
];

describe.each(kinds)('identity records ($name)', ({ fresh }) => {
  it('stores a first sign-in and reads it back by email in any letter case, as it was', async () => {
    const { identities } = await fresh();
    expect(await identities.recordSignin(record({ email: 'Bob@Acme.com' }))).toBe('stored');
    const expected = record();
    expect(await identities.get('bob@acme.com')).toEqual(expected);
    expect(await identities.get('BOB@ACME.COM')).toEqual(expected);
    expect(await identities.get('alice@acme.com')).toBeUndefined();
  });

  it('keeps an empty group list and a record without auth_time or amr', async () => {
    const { identities } = await fresh();
    const bare: IdentityRecord = {
      email: 'carol@acme.com',
      name: 'Carol Ops',
      iss: ISS,
      sub: 'sub-carol',
      groups: [],
      signed_in_at: iso(0),
    };
    expect(await identities.recordSignin(bare)).toBe('stored');
    expect(await identities.get('carol@acme.com')).toEqual(bare);
  });

  it.each(signinCases)('$name', async ({ first, revokeFirst, second, outcome, holds }) => {
    const { identities } = await fresh();
    expect(await identities.recordSignin(first)).toBe('stored');
    if (revokeFirst) expect(await identities.revoke(first.email, iso(1000))).toBe(true);
    expect(await identities.recordSignin(second)).toBe(outcome);
    const expected = holds === 'first' ? first : second;
    expect(await identities.get('bob@acme.com')).toEqual({
      ...expected,
      email: expected.email.toLowerCase(),
      ...(holds === 'first' && revokeFirst ? { revoked_at: iso(1000) } : {}),
    });
  });

  it('stores exactly one of two first sign-ins of different subjects racing', async () => {
    const { identities } = await fresh();
    const outcomes = await Promise.all([
      identities.recordSignin(record({ sub: 'sub-one' })),
      identities.recordSignin(record({ sub: 'sub-two' })),
    ]);
    expect([...outcomes].sort()).toEqual(['conflict', 'stored']);
    const winner = outcomes[0] === 'stored' ? 'sub-one' : 'sub-two';
    expect((await identities.get('bob@acme.com'))?.sub).toBe(winner);
  });

  it('lists every identity record and nothing else of the auth table', async () => {
    const { identities, auth } = await fresh();
    const people = [
      record(),
      record({ email: 'carol@acme.com', sub: 'sub-carol', signed_in_at: iso(-3_600_000) }),
      record({ email: 'dave@acme.com', sub: 'sub-dave', signed_in_at: iso(3_600_000) }),
    ];
    for (const person of people) await identities.recordSignin(person);
    await identities.revoke('dave@acme.com', iso(7_200_000));
    const others: AuthRecord[] = [
      {
        key: authKey('session', 'session-of-bob'),
        kind: 'session',
        email: 'bob@acme.com',
        created_at: iso(0),
        expires_at: iso(12 * 3_600_000),
        csrf: 'csrf-token',
        signin: { idp: ISS, auth_time: Math.floor(T0 / 1000), amr: ['pwd'] },
      },
      {
        key: authKey('api_token', 'token-of-carol'),
        kind: 'api_token',
        email: 'carol@acme.com',
        created_at: iso(0),
        label: 'ci',
      },
      {
        key: authKey('oidc_state', 'some-state'),
        kind: 'oidc_state',
        email: PENDING_EMAIL,
        created_at: iso(0),
        expires_at: iso(600_000),
        oidc: { code_verifier: 'verifier', nonce: 'nonce', next: '/runs' },
      },
    ];
    for (const other of others) expect(await auth.putIfAbsent(other)).toBe(true);
    const byEmail = (a: IdentityRecord, b: IdentityRecord) => a.email.localeCompare(b.email);
    expect((await identities.list()).sort(byEmail)).toEqual([
      people[0],
      people[1],
      { ...people[2], revoked_at: iso(7_200_000) },
    ]);
    // The session and the token are still there, untouched by the identity records around them.
    expect(await auth.get(authKey('session', 'session-of-bob'))).toEqual(others[0]);
    expect(await identities.get(PENDING_EMAIL)).toBeUndefined();
  });

  it('lists nothing when nobody has signed in', async () => {
    const { identities, auth } = await fresh();
    await auth.putIfAbsent({
      key: authKey('session', 's'),
      kind: 'session',
      email: 'bob@acme.com',
      created_at: iso(0),
    });
    expect(await identities.list()).toEqual([]);
  });

  it('revokes a record (true) and answers false for an email it has no record of', async () => {
    const { identities } = await fresh();
    await identities.recordSignin(record());
    expect(await identities.revoke('Bob@Acme.com', iso(5000))).toBe(true);
    expect(await identities.get('bob@acme.com')).toEqual({ ...record(), revoked_at: iso(5000) });
    expect(await identities.revoke('nobody@acme.com', iso(5000))).toBe(false);
    expect(await identities.get('nobody@acme.com')).toBeUndefined();
    expect(await identities.list()).toHaveLength(1);
  });
});

describe.each(kinds)('AuthStore.take ($name)', ({ fresh }) => {
  const pending: AuthRecord = {
    key: authKey('oidc_state', 'state-1'),
    kind: 'oidc_state',
    email: PENDING_EMAIL,
    created_at: iso(0),
    expires_at: iso(600_000),
    oidc: { code_verifier: 'verifier-1', nonce: 'nonce-1', next: '/runs/42', max_age: 300 },
  };

  it('returns the record once, then undefined', async () => {
    const { auth } = await fresh();
    expect(await auth.putIfAbsent(pending)).toBe(true);
    expect(await auth.take(pending.key)).toEqual(pending);
    expect(await auth.take(pending.key)).toBeUndefined();
    expect(await auth.get(pending.key)).toBeUndefined();
    expect(await auth.take(authKey('oidc_state', 'never-stored'))).toBeUndefined();
  });

  it('gives the record to exactly one of two takes at the same time', async () => {
    const { auth } = await fresh();
    await auth.putIfAbsent(pending);
    const taken = await Promise.all([auth.take(pending.key), auth.take(pending.key)]);
    expect(taken.filter((r) => r !== undefined)).toEqual([pending]);
  });

  it('leaves other records alone', async () => {
    const { auth } = await fresh();
    const other = { ...pending, key: authKey('oidc_state', 'state-2') };
    await auth.putIfAbsent(pending);
    await auth.putIfAbsent(other);
    await auth.take(pending.key);
    expect(await auth.get(other.key)).toEqual(other);
  });
});

describe.each(kinds)('AuthStore.listByUser ($name)', ({ fresh }) => {
  const of = (email: string, kind: AuthRecord['kind'], secret: string, at: number): AuthRecord => ({
    key: authKey(kind, secret),
    kind,
    email,
    created_at: iso(at),
    ...(kind === 'session' ? { expires_at: iso(at + 12 * 3_600_000), csrf: `csrf-${secret}` } : {}),
  });

  it('lists every record of one person, whatever its kind, and nobody else’s', async () => {
    const { auth, identities } = await fresh();
    const bobs = [
      of('bob@acme.com', 'session', 'bob-laptop', 0),
      of('bob@acme.com', 'session', 'bob-phone', 60_000),
      of('bob@acme.com', 'api_token', 'bob-ci', 120_000),
    ];
    for (const r of [...bobs, of('carol@acme.com', 'session', 'carol-laptop', 0)])
      expect(await auth.putIfAbsent(r)).toBe(true);
    // Bob's identity record is in the table too, under the shared `identity#all` partition: not his.
    await identities.recordSignin(record());
    const byKey = (a: AuthRecord, b: AuthRecord) => a.key.localeCompare(b.key);
    expect((await auth.listByUser('Bob@Acme.com')).sort(byKey)).toEqual([...bobs].sort(byKey));
    expect(await auth.listByUser('nobody@acme.com')).toEqual([]);
  });

  it('reads past a page: a person with many sessions has them all listed', async () => {
    const { auth } = await fresh();
    // ~3 KB each: 400 of them are over DynamoDB's 1 MB query page.
    const padding = 'x'.repeat(3000);
    for (let i = 0; i < 400; i++)
      await auth.putIfAbsent({ ...of('bob@acme.com', 'session', `s-${i}`, i), label: padding });
    expect(await auth.listByUser('bob@acme.com')).toHaveLength(400);
  });
});

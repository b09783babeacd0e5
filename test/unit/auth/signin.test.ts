import { describe, expect, it } from 'vitest';
import { AuthError } from '../../../functions/core/auth/auth-error.ts';
import { assertCsrf, createSession, endSession, getSession } from '../../../functions/core/auth/sessions.ts';
import {
  checkSigninLink,
  createSigninLink,
  redeemSigninLink,
  SIGNIN_LINK_TTL_MS,
} from '../../../functions/core/auth/signin-link.ts';
import { DIRECTORY } from '../../support/approval-fixtures.ts';
import { createAuthDeps } from './auth-fixtures.ts';

const URL_BASE = 'https://signoff.example.com';
const alice = DIRECTORY.users[0] as (typeof DIRECTORY.users)[number];

function tokenOf(url: string): string {
  return url.slice(`${URL_BASE}/signin/`.length);
}

describe('createSigninLink', () => {
  it('gives a link for a directory user and nothing for a stranger', async () => {
    const deps = createAuthDeps();
    const link = await createSigninLink(deps, 'ALICE@acme.com', URL_BASE);
    expect(link?.user.email).toBe('alice@acme.com');
    expect(link?.url.startsWith(`${URL_BASE}/signin/`)).toBe(true);
    expect(await createSigninLink(deps, 'mallory@evil.com', URL_BASE)).toBeUndefined();
  });
});

describe('redeemSigninLink', () => {
  it('works once; a second use is refused as used', async () => {
    const deps = createAuthDeps();
    const token = tokenOf((await createSigninLink(deps, 'alice@acme.com', URL_BASE))?.url ?? '');
    expect((await checkSigninLink(deps, token)).user.email).toBe('alice@acme.com');
    expect((await redeemSigninLink(deps, token)).email).toBe('alice@acme.com');
    await expect(redeemSigninLink(deps, token)).rejects.toMatchObject({ code: 'used', status: 410 });
    await expect(checkSigninLink(deps, token)).rejects.toMatchObject({ code: 'used' });
  });

  it('stores only the hash of the link id, never the token', async () => {
    const deps = createAuthDeps();
    const token = tokenOf((await createSigninLink(deps, 'alice@acme.com', URL_BASE))?.url ?? '');
    await redeemSigninLink(deps, token);
    const stored = JSON.stringify([...deps.auth.records.values()]);
    expect(stored).not.toContain(token);
    expect([...deps.auth.records.keys()][0]).toMatch(/^signin_link#[0-9a-f]{64}$/);
  });

  it('refuses a link after 15 minutes', async () => {
    const deps = createAuthDeps();
    const token = tokenOf((await createSigninLink(deps, 'alice@acme.com', URL_BASE))?.url ?? '');
    deps.clock.advance(SIGNIN_LINK_TTL_MS + 1000);
    await expect(redeemSigninLink(deps, token)).rejects.toMatchObject({ code: 'expired' });
  });

  it('refuses a tampered link', async () => {
    const deps = createAuthDeps();
    const token = tokenOf((await createSigninLink(deps, 'alice@acme.com', URL_BASE))?.url ?? '');
    const tampered = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    await expect(redeemSigninLink(deps, tampered)).rejects.toBeInstanceOf(AuthError);
  });
});

describe('getSession', () => {
  it('finds a created session by its id and stores only its hash', async () => {
    const deps = createAuthDeps();
    const session = await createSession(deps, alice);
    expect((await getSession(deps, session.id))?.user.email).toBe('alice@acme.com');
    expect(JSON.stringify([...deps.auth.records.entries()])).not.toContain(session.id);
  });

  it('forgets expired and ended sessions and unknown ids', async () => {
    const deps = createAuthDeps();
    const session = await createSession(deps, alice);
    expect(await getSession(deps, 'nope')).toBeUndefined();
    deps.clock.advance(13 * 3600_000);
    expect(await getSession(deps, session.id)).toBeUndefined();
    deps.clock.set(deps.now() - 13 * 3600_000);
    await endSession(deps, session.id);
    expect(await getSession(deps, session.id)).toBeUndefined();
  });
});

describe('assertCsrf', () => {
  it("accepts the session's token and refuses others", async () => {
    const deps = createAuthDeps();
    const session = await createSession(deps, alice);
    expect(() => assertCsrf(session, session.csrf)).not.toThrow();
    expect(() => assertCsrf(session, undefined)).toThrow(AuthError);
    expect(() => assertCsrf(session, `${session.csrf}x`)).toThrow(/did not come from signoff/);
    expect(() => assertCsrf(session, 'short')).toThrow(AuthError);
  });
});

import { describe, expect, it } from 'vitest';
import { authenticateBearer, createApiToken } from '../../../functions/core/auth/api-tokens.ts';
import { createAuthDeps } from './auth-fixtures.ts';

describe('createApiToken', () => {
  it('returns a so_ token and stores only its SHA-256 with the owner', async () => {
    const deps = createAuthDeps();
    const token = await createApiToken(deps, 'bob@acme.com', 'cli');
    expect(token).toMatch(/^so_[A-Za-z0-9_-]{43}$/);
    const records = [...deps.auth.records.values()];
    expect(records).toEqual([
      expect.objectContaining({ kind: 'api_token', email: 'bob@acme.com', label: 'cli' }),
    ]);
    expect(records[0]?.key).toMatch(/^api_token#[0-9a-f]{64}$/);
    expect(JSON.stringify(records)).not.toContain(token.slice(3));
  });

  it('refuses someone outside the directory', async () => {
    await expect(createApiToken(createAuthDeps(), 'mallory@evil.com', 'x')).rejects.toThrow(/not in the/);
  });
});

describe('authenticateBearer', () => {
  it('maps a valid token to its directory user', async () => {
    const deps = createAuthDeps();
    const token = await createApiToken(deps, 'bob@acme.com', 'cli');
    const result = await authenticateBearer(deps, `Bearer ${token}`);
    expect(result).toMatchObject({ ok: true, user: { email: 'bob@acme.com', role: 'developer' } });
  });

  it('gives a reason for a missing, malformed or unknown token', async () => {
    const deps = createAuthDeps();
    expect(await authenticateBearer(deps, undefined)).toMatchObject({ ok: false });
    expect(await authenticateBearer(deps, 'Basic abc')).toMatchObject({ ok: false });
    expect(await authenticateBearer(deps, 'Bearer abc')).toMatchObject({
      ok: false,
      reason: 'that is not a signoff API token',
    });
    expect(await authenticateBearer(deps, `Bearer so_${'a'.repeat(43)}`)).toMatchObject({
      ok: false,
      reason: 'unknown or revoked API token',
    });
  });

  it('refuses the token of someone removed from the directory', async () => {
    const deps = createAuthDeps();
    const token = await createApiToken(deps, 'bob@acme.com', 'cli');
    deps.directory = {
      ...deps.directory,
      users: deps.directory.users.filter((u) => u.email !== 'bob@acme.com'),
    };
    expect(await authenticateBearer(deps, `Bearer ${token}`)).toMatchObject({ ok: false });
  });
});

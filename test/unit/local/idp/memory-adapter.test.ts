import { describe, expect, it } from 'vitest';
import { createMemoryAdapter } from '../../../../local/idp/memory-adapter.ts';

function setup() {
  let now = Date.UTC(2030, 0, 1);
  const adapterFor = createMemoryAdapter(() => now);
  return { adapterFor, advance: (ms: number) => (now += ms) };
}

describe('createMemoryAdapter', () => {
  it('forgets a record once its lifetime has passed, and keeps one without a lifetime', async () => {
    const { adapterFor, advance } = setup();
    const sessions = adapterFor('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'dev-1' }, 60);
    await sessions.upsert('s2', { uid: 'u2' });
    advance(59_999);
    expect(await sessions.find('s1')).toEqual({ uid: 'u1', accountId: 'dev-1' });
    expect(await sessions.findByUid('u1')).toEqual({ uid: 'u1', accountId: 'dev-1' });
    advance(1);
    expect(await sessions.find('s1')).toBeUndefined();
    expect(await sessions.findByUid('u1')).toBeUndefined();
    advance(365 * 24 * 3600 * 1000);
    expect(await sessions.findByUid('u2')).toEqual({ uid: 'u2' });
  });

  it('keeps each model apart, and hands out copies', async () => {
    const { adapterFor } = setup();
    const payload = { uid: 'same', accountId: 'dev-1' };
    await adapterFor('Session').upsert('x', payload, 60);
    payload.accountId = 'changed';
    expect(await adapterFor('Interaction').find('x')).toBeUndefined();
    expect(await adapterFor('Interaction').findByUid('same')).toBeUndefined();
    const found = await adapterFor('Session').find('x');
    expect(found).toEqual({ uid: 'same', accountId: 'dev-1' });
    if (found) found.accountId = 'changed';
    expect((await adapterFor('Session').find('x'))?.accountId).toBe('dev-1');
  });

  it('marks a record consumed with the time in seconds, and destroys it', async () => {
    const { adapterFor } = setup();
    const codes = adapterFor('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    await codes.consume('c1');
    expect(await codes.find('c1')).toEqual({ grantId: 'g1', consumed: Date.UTC(2030, 0, 1) / 1000 });
    await codes.destroy('c1');
    expect(await codes.find('c1')).toBeUndefined();
  });

  it('revokes every record of one grant in its own model only', async () => {
    const { adapterFor } = setup();
    const codes = adapterFor('AuthorizationCode');
    const tokens = adapterFor('AccessToken');
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    await codes.upsert('c2', { grantId: 'g2' }, 60);
    await tokens.upsert('t1', { grantId: 'g1' }, 60);
    await codes.revokeByGrantId('g1');
    expect(await codes.find('c1')).toBeUndefined();
    expect(await codes.find('c2')).toEqual({ grantId: 'g2' });
    expect(await tokens.find('t1')).toEqual({ grantId: 'g1' });
  });

  it('finds a device flow record by its user code', async () => {
    const { adapterFor } = setup();
    const codes = adapterFor('DeviceCode');
    await codes.upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
    expect(await codes.findByUserCode('ABCD-EFGH')).toEqual({ userCode: 'ABCD-EFGH' });
    expect(await codes.findByUserCode('ZZZZ-ZZZZ')).toBeUndefined();
  });
});

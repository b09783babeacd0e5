import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLockStore, lockKey } from '../../../functions/adapters/dynamodb-lock-store.ts';
import { DynamoDbRunStore } from '../../../functions/adapters/dynamodb-run-store.ts';
import { MemoryLockStore } from '../../../functions/adapters/memory-lock-store.ts';
import type { LockHolder, LockStore } from '../../../functions/core/ports.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

const T = '2026-12-01T10:00:00.000Z';
const holder = (run: string): LockHolder => ({
  run_id: run,
  workflow: 'w',
  acquired_at: T,
  expires_at: '2026-12-01T12:00:00.000Z',
});

let n = 0;
const stores: [string, () => LockStore][] = [
  ['MemoryLockStore', () => new MemoryLockStore()],
  ['DynamoDbLockStore on dynalite', () => new DynamoDbLockStore(db.docClient, db.tableNames.runs)],
];

describe.each(stores)('%s', (_name, make) => {
  const project = () => `p${++n}`;

  it('takes a free lock once: a second write at the same version is refused', async () => {
    const store = make();
    const p = project();
    expect(await store.get(p)).toBeUndefined();
    expect(await store.acquire(p, holder('r1'), 0, T)).toEqual({
      project: p,
      version: 1,
      holder: holder('r1'),
    });
    expect(await store.acquire(p, holder('r2'), 0, T)).toBeUndefined();
    expect(await store.get(p)).toMatchObject({ version: 1, holder: { run_id: 'r1' } });
  });

  it('holds a lock for an admin: only its holder can, its holder can no longer release it, a forced release can', async () => {
    const store = make();
    const p = project();
    await store.acquire(p, holder('r1'), 0, T);
    expect(await store.hold(p, 'r2', 'not the holder')).toBe(false);
    expect(await store.hold(p, 'r1', 'apply interrupted')).toBe(true);
    const held = await store.get(p);
    expect(held).toMatchObject({ version: 2, holder: { run_id: 'r1', held_for_admin: 'apply interrupted' } });
    // A take-over prepared before the hold loses the race.
    expect(await store.acquire(p, holder('r3'), 1, T)).toBeUndefined();
    expect(await store.release(p, 'r1', T)).toBeUndefined();
    expect(await store.release(p, 'r1', T, { force: true })).toMatchObject({
      holder: { held_for_admin: 'apply interrupted' },
    });
    expect(await store.get(p)).toEqual({ project: p, version: 3, released_at: T });
  });

  it('lets only one of many concurrent writers win the same version', async () => {
    const store = make();
    const p = project();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.acquire(p, holder(`r${i}`), 0, T)),
    );
    const winners = results.filter((r) => r !== undefined);
    expect(winners).toHaveLength(1);
    expect((await store.get(p))?.holder?.run_id).toBe(winners[0]?.holder?.run_id);
  });

  it('releases only for the holder, and a release bumps the version so a stale take-over fails', async () => {
    const store = make();
    const p = project();
    await store.acquire(p, holder('r1'), 0, T);
    expect(await store.release(p, 'r2', T)).toBeUndefined();
    expect((await store.get(p))?.holder?.run_id).toBe('r1');
    const before = await store.release(p, 'r1', '2026-12-01T10:05:00.000Z');
    expect(before).toMatchObject({ version: 1, holder: { run_id: 'r1' } });
    expect(await store.release(p, 'r1', T)).toBeUndefined();
    expect(await store.get(p)).toEqual({ project: p, version: 2, released_at: '2026-12-01T10:05:00.000Z' });
    // Someone who read version 1 (held by r1) and tries to take it over loses.
    expect(await store.acquire(p, holder('r3'), 1, T)).toBeUndefined();
    expect(await store.acquire(p, holder('r3'), 2, T)).toMatchObject({
      version: 3,
      holder: { run_id: 'r3' },
    });
    expect((await store.get(p))?.released_at).toBeUndefined();
  });

  it('takes over a held lock only at the version that was read', async () => {
    const store = make();
    const p = project();
    await store.acquire(p, holder('r1'), 0, T);
    expect(await store.acquire(p, holder('r2'), 1, T)).toMatchObject({
      version: 2,
      holder: { run_id: 'r2' },
    });
    expect(await store.acquire(p, holder('r3'), 1, T)).toBeUndefined();
  });
});

describe('DynamoDbLockStore in the runs table', () => {
  it('keeps lock items out of the run lists and away from run ids', async () => {
    const store = new DynamoDbLockStore(db.docClient, db.tableNames.runs);
    const runs = new DynamoDbRunStore(db.docClient, db.tableNames.runs);
    await store.acquire('listed', holder('r1'), 0, T);
    const raw = await db.docClient.send(
      new GetCommand({ TableName: db.tableNames.runs, Key: { run_id: lockKey('listed') } }),
    );
    expect(raw.Item).toMatchObject({ run_id: 'lock#listed', holder_run: 'r1', version: 1 });
    expect((await runs.list({})).runs).toEqual([]);
    expect((await runs.list({ workflow: 'w' })).runs).toEqual([]);
  });
});

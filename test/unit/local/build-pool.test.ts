import { describe, expect, it } from 'vitest';
import { BuildCancelledError, BuildPool } from '../../../local/build-pool.ts';

describe('BuildPool', () => {
  it('runs at most its size at once and hands freed workers out in arrival order', async () => {
    // Issue: 20 concurrent starts ran 27 builds at once.
    const pool = new BuildPool(2);
    const order: number[] = [];
    const releases = await Promise.all([pool.acquire(), pool.acquire()]);
    const waiting = [3, 4, 5].map(async (n) => {
      const release = await pool.acquire();
      order.push(n);
      return release;
    });
    expect(pool.stats()).toMatchObject({ running: 2, queued: 3 });

    releases[0]?.();
    releases[1]?.();
    const third = await waiting[0];
    const fourth = await waiting[1];
    third?.();
    fourth?.();
    (await waiting[2])?.();

    expect(order).toEqual([3, 4, 5]);
    expect(pool.stats()).toEqual({ size: 2, running: 0, queued: 0, maxRunning: 2, started: 5, finished: 5 });
  });

  it('drops a queued build whose signal aborts, so it never runs', async () => {
    const pool = new BuildPool(1);
    const release = await pool.acquire();
    const cancel = new AbortController();
    const queued = pool.acquire(cancel.signal);

    cancel.abort();

    await expect(queued).rejects.toBeInstanceOf(BuildCancelledError);
    release();
    expect(pool.stats()).toMatchObject({ running: 0, queued: 0, started: 1 });
  });

  it('counts a release once', async () => {
    const pool = new BuildPool(1);
    const release = await pool.acquire();
    release();
    release();
    expect(pool.stats()).toMatchObject({ running: 0, finished: 1 });
  });
});

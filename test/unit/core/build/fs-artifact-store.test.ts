import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../../../functions/adapters/fs-artifact-store.ts';

describe('FsArtifactStore', () => {
  it('stores text and bytes by key and reads them back', async () => {
    const store = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'signoff-fs-store-')));
    await store.put('runs/r1/plan/plan.json', '{"a":1}');
    await store.put('runs/r1/plan/plan.tfplan', new Uint8Array([0, 1, 2, 255]));
    expect(new TextDecoder().decode(await store.get('runs/r1/plan/plan.json'))).toBe('{"a":1}');
    expect(await store.get('runs/r1/plan/plan.tfplan')).toEqual(new Uint8Array([0, 1, 2, 255]));
  });

  it('answers undefined for a key it does not have', async () => {
    const store = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'signoff-fs-store-')));
    expect(await store.get('runs/none/plan/plan.json')).toBeUndefined();
  });

  it('overwrites an existing object', async () => {
    const store = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'signoff-fs-store-')));
    await store.put('k/log.txt', 'one');
    await store.put('k/log.txt', 'two');
    expect(new TextDecoder().decode(await store.get('k/log.txt'))).toBe('two');
  });

  it('refuses keys that would leave its root', async () => {
    const store = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'signoff-fs-store-')));
    await expect(store.put('../escape.txt', 'x')).rejects.toThrow(/outside the store/);
    await expect(store.get('runs/../../escape.txt')).rejects.toThrow(/outside the store/);
  });
});

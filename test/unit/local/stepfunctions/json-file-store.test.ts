import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonFileStore } from '../../../../local/stepfunctions/json-file-store.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'signoff-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('JsonFileStore', () => {
  it('writes the latest snapshot of a burst of saves and leaves no temp files', async () => {
    const root = tempDir();
    const store = new JsonFileStore(root, (_file, error) => {
      throw error;
    });
    const doc = { n: 0 };
    for (let i = 1; i <= 50; i++) {
      doc.n = i;
      store.save('things', 'a:b', () => ({ ...doc }));
    }
    await store.flush();

    expect(readdirSync(join(root, 'things'))).toEqual(['a%3Ab.json']);
    expect(new JsonFileStore(root, () => {}).readAll('things')).toEqual([{ n: 50 }]);
  });

  it('ignores saves after close but finishes the ones before', async () => {
    const root = tempDir();
    const store = new JsonFileStore(root, () => {});
    store.save('things', 'kept', () => ({ kept: true }));
    await store.close();
    store.save('things', 'late', () => ({ late: true }));
    await store.flush();

    expect(readdirSync(join(root, 'things'))).toEqual(['kept.json']);
    expect(JSON.parse(readFileSync(join(root, 'things', 'kept.json'), 'utf8'))).toEqual({ kept: true });
  });

  it('reports unreadable files and reads the others', () => {
    const root = tempDir();
    mkdirSync(join(root, 'things'));
    writeFileSync(join(root, 'things', 'good.json'), '{"ok":1}');
    writeFileSync(join(root, 'things', 'torn.json'), '{"ok":');
    const errors: string[] = [];

    const documents = new JsonFileStore(root, (file) => errors.push(file)).readAll('things');

    expect(documents).toEqual([{ ok: 1 }]);
    expect(errors).toEqual([join('things', 'torn.json')]);
  });
});

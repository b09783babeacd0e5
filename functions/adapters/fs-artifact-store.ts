import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { ArtifactStore } from '../core/ports.ts';

/** An ArtifactStore on the local filesystem: key `a/b/c` is the file `<rootDir>/a/b/c`. */
export class FsArtifactStore implements ArtifactStore {
  private readonly root: string;

  constructor(rootDir: string) {
    this.root = resolve(rootDir);
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    // Keys come from run and step ids; never let one reach outside the root.
    if (!path.startsWith(this.root + sep)) throw new Error(`artifact key outside the store: ${key}`);
    return path;
  }

  /** Writes the object (via a temporary file and a rename, so readers never see half of it). */
  async put(key: string, body: string | Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, path);
  }

  /** The object's bytes, or undefined when there is none. */
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Writes JSON documents atomically (temp file + rename), coalescing rapid updates of one file. */
export class JsonFileStore {
  private readonly pending = new Map<string, () => unknown>();
  private readonly writing = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly onError: (file: string, error: unknown) => void,
  ) {
    mkdirSync(root, { recursive: true });
  }

  /** Reads every `*.json` document under a folder of the store (synchronously, at startup). */
  readAll<T>(folder: string): T[] {
    const directory = join(this.root, folder);
    let names: string[];
    try {
      names = readdirSync(directory).filter((name) => name.endsWith('.json'));
    } catch {
      return [];
    }
    const documents: T[] = [];
    for (const name of names) {
      try {
        documents.push(JSON.parse(readFileSync(join(directory, name), 'utf8')) as T);
      } catch (error) {
        this.onError(join(folder, name), error);
      }
    }
    return documents;
  }

  /**
   * Schedules a write of `snapshot()` to `folder/name.json`; the snapshot is taken when the write
   * starts, so a burst of updates costs one or two writes. Ignored once the store is closed.
   */
  save(folder: string, name: string, snapshot: () => unknown): void {
    if (this.closed) return;
    const file = join(this.root, folder, `${encodeURIComponent(name)}.json`);
    this.pending.set(file, snapshot);
    if (!this.writing.has(file)) this.drain(file);
  }

  /** Waits until every scheduled write is on disk. */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing.values());
  }

  /** Refuses further saves and waits for the scheduled ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private drain(file: string): void {
    const run = async () => {
      for (let snapshot = this.pending.get(file); snapshot; snapshot = this.pending.get(file)) {
        this.pending.delete(file);
        try {
          await writeAtomically(file, `${JSON.stringify(snapshot(), null, 2)}\n`);
        } catch (error) {
          this.onError(file, error);
        }
      }
    };
    const done = run().finally(() => {
      this.writing.delete(file);
      // A save that arrived after the loop's last check but before this point still needs writing.
      if (this.pending.has(file)) this.drain(file);
    });
    this.writing.set(file, done);
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

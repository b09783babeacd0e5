/** Secrets from a local JSON file (the local runtime's `.signoff/secrets.json`). */
import { readFile } from 'node:fs/promises';
import type { Secrets } from '../core/ports.ts';

/** Reads `{ "name": "value" }` from a file on each call, so a secret set while running is seen. */
export class FileSecrets implements Secrets {
  constructor(private readonly path: string) {}

  async get(name: string): Promise<string | undefined> {
    try {
      const all = JSON.parse(await readFile(this.path, 'utf8')) as Record<string, unknown>;
      const value = all[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

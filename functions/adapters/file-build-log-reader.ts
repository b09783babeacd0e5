/**
 * BuildLogReader over the local build runner's log files (`<dir>/<build id>.log`, one line per
 * line of output). A position is a byte offset; only whole lines are returned, so a line the
 * build is still writing (and a secret in it) is never cut in two.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidLogCursorError } from '../core/logs/log-errors.ts';
import type { BuildLogPage, BuildLogReader } from '../core/ports.ts';

/** At most this many bytes are read per page, as GetLogEvents returns at most 1 MB. */
const MAX_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** The file name the local build runner writes a build's log to. */
export function buildLogFileName(buildId: string): string {
  return `${buildId.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`;
}

/** Reads the local build runner's log files. */
export class FileBuildLogReader implements BuildLogReader {
  constructor(private readonly dir: string) {}

  async read(
    buildId: string,
    position: string | undefined,
    limit: number,
  ): Promise<BuildLogPage | undefined> {
    const offset = position === undefined ? 0 : Number(position);
    if (!/^\d{1,15}$/.test(position ?? '0') || !Number.isSafeInteger(offset)) {
      throw new InvalidLogCursorError('the log position is not a byte offset');
    }
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(join(this.dir, buildLogFileName(buildId)), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const { size } = await file.stat();
      if (offset > size) throw new InvalidLogCursorError('the log position is past the end of the log');
      const buffer = Buffer.alloc(Math.min(size - offset, MAX_BYTES));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
      const lines: string[] = [];
      let start = 0;
      while (lines.length < limit) {
        const end = buffer.indexOf(NEWLINE, start);
        if (end < 0 || end >= bytesRead) break;
        lines.push(buffer.toString('utf8', start, end));
        start = end + 1;
      }
      // One line longer than a whole page would otherwise never be returned.
      if (lines.length === 0 && bytesRead === MAX_BYTES) {
        lines.push(buffer.toString('utf8', 0, bytesRead));
        start = bytesRead;
      }
      return { lines, next: String(offset + start) };
    } finally {
      await file.close();
    }
  }
}

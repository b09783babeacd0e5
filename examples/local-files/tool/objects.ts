/** Reading and changing the real objects (directories and files) under the workspace root. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DesiredResource } from './desired.ts';
import type { Attributes } from './state.ts';

/** SHA-256 hex of a file's content, recorded so a changed file shows up in the plan. */
export function contentHash(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The attributes a desired resource will have once applied. */
export function desiredAttributes(r: DesiredResource): Attributes {
  if (r.type === 'local_directory') return { path: r.path };
  return {
    path: r.path,
    content: r.content,
    content_sha256: contentHash(r.content),
    storage_class: r.storage_class,
  };
}

/** Reads what is really there for a resource in state (refresh); undefined when it is gone. */
export function readObject(root: string, type: string, recorded: Attributes): Attributes | undefined {
  const full = join(root, recorded.path ?? '');
  if (!existsSync(full)) return undefined;
  if (type === 'local_directory')
    return statSync(full).isDirectory() ? { path: recorded.path ?? '' } : undefined;
  if (!statSync(full).isFile()) return undefined;
  const content = readFileSync(full, 'utf8');
  return { ...recorded, content, content_sha256: contentHash(content) };
}

/** Creates or overwrites the real object. */
export function writeObject(root: string, type: string, attrs: Attributes): void {
  const full = join(root, attrs.path ?? '');
  if (type === 'local_directory') {
    mkdirSync(full, { recursive: true });
    return;
  }
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, attrs.content ?? '');
}

/** Removes the real object; a directory must be empty (the tool never deletes what it does not manage). */
export function removeObject(root: string, type: string, attrs: Attributes): void {
  const full = join(root, attrs.path ?? '');
  if (!existsSync(full)) return;
  if (type === 'local_directory') rmdirSync(full);
  else rmSync(full);
}

/**
 * `GET /static/{file}`: the stylesheet and the run page's log script, each read once. They sit in
 * `web/` beside the sources; a Lambda bundle carries them under the config directory
 * (`<configDir>/web/<file>`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createError } from '@middy/util';
import type { WebDeps } from '../wiring/http.ts';
import type { WebRequest } from './request.ts';
import { securityHeaders, type WebResponse } from './responses.ts';

/** The files served, with their content types. */
const FILES: Record<string, string> = {
  'style.css': 'text/css; charset=utf-8',
  'run-logs.js': 'text/javascript; charset=utf-8',
};

const cached = new Map<string, { body: string; etag: string }>();

function loadFile(name: string, configDir: string): { body: string; etag: string } {
  const hit = cached.get(name);
  if (hit) return hit;
  const candidates = [
    fileURLToPath(new URL(`../../web/${name}`, import.meta.url)),
    join(configDir, 'web', name),
  ];
  for (const path of candidates) {
    try {
      const body = readFileSync(path, 'utf8');
      const file = { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
      cached.set(name, file);
      return file;
    } catch {
      // try the next place
    }
  }
  throw new Error(`web/${name} is missing from the bundle`);
}

/** Serves a static file (with an ETag, cached for an hour). */
export async function serveStatic(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const name = request.params.file ?? '';
  const type = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!type) throw createError(404, 'There is no such file.');
  const file = loadFile(name, deps.config.configDir);
  const headers = {
    ...securityHeaders(deps.config.local),
    'content-type': type,
    'cache-control': 'public, max-age=3600',
    etag: file.etag,
  };
  if (request.headers['if-none-match'] === file.etag) return { statusCode: 304, headers, body: '' };
  return { statusCode: 200, headers, body: file.body };
}

/**
 * `GET /static/style.css`: the one stylesheet, read once. It sits in `web/` beside the sources;
 * a Lambda bundle carries it under the config directory (`<configDir>/web/style.css`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createError } from '@middy/util';
import type { AppDeps } from '../deps.ts';
import type { WebRequest } from './request.ts';
import { securityHeaders, type WebResponse } from './responses.ts';

let cached: { body: string; etag: string } | undefined;

function loadCss(configDir: string): { body: string; etag: string } {
  if (cached) return cached;
  const candidates = [
    fileURLToPath(new URL('../../web/style.css', import.meta.url)),
    join(configDir, 'web', 'style.css'),
  ];
  for (const path of candidates) {
    try {
      const body = readFileSync(path, 'utf8');
      cached = { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
      return cached;
    } catch {
      // try the next place
    }
  }
  throw new Error('web/style.css is missing from the bundle');
}

/** Serves the stylesheet (with an ETag, cached for an hour). */
export async function serveStatic(deps: AppDeps, request: WebRequest): Promise<WebResponse> {
  if (request.params.file !== 'style.css') throw createError(404, 'There is no such file.');
  const css = loadCss(deps.config.configDir);
  const headers = {
    ...securityHeaders(deps.config.local),
    'content-type': 'text/css; charset=utf-8',
    'cache-control': 'public, max-age=3600',
    etag: css.etag,
  };
  if (request.headers['if-none-match'] === css.etag) return { statusCode: 304, headers, body: '' };
  return { statusCode: 200, headers, body: css.body };
}

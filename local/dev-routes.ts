/**
 * Local-only routes: `/api/health` (ready once every part is up), `/dev/notifications` (where the
 * workflows' notify steps post when no real webhook URL is configured), and any extra dev pages.
 */
import type { AppDeps } from '../functions/deps.ts';
import { escapeHtml } from '../web/html.ts';
import type { LocalRoute } from './gateway.ts';
import { readBody, send } from './http-io.ts';

/** One message a notify step posted to the local sink. */
export interface SinkMessage {
  at: string;
  contentType: string;
  body: string;
}

/** The local routes, their state and a hook for more. */
export interface DevRoutes {
  handle: LocalRoute;
  notifications: SinkMessage[];
  setReady(ready: boolean): void;
  /** Adds another local route (e.g. the local Slack inbox at /dev/slack). */
  add(route: LocalRoute): void;
}

const MAX_SINK_BYTES = 256 * 1024;
const MAX_SINK_MESSAGES = 500;

/** Creates the local routes. */
export function createDevRoutes(options: { deps: AppDeps; inboxUrl: string }): DevRoutes {
  let ready = false;
  const notifications: SinkMessage[] = [];
  const extra: LocalRoute[] = [];

  const handle: LocalRoute = async (req, res, url) => {
    if (url.pathname === '/api/health' && req.method === 'GET') {
      send(
        res,
        ready ? 200 : 503,
        'application/json',
        JSON.stringify(ready ? { ok: true } : { ok: false, starting: true }),
      );
      return true;
    }
    if (url.pathname === '/dev/notifications') {
      if (req.method === 'POST') {
        const body = (await readBody(req, MAX_SINK_BYTES))?.toString('utf8');
        if (body === undefined) {
          send(res, 413, 'application/json', JSON.stringify({ message: 'body too large' }));
          return true;
        }
        notifications.unshift({
          at: new Date(options.deps.now()).toISOString(),
          contentType: String(req.headers['content-type'] ?? ''),
          body,
        });
        notifications.splice(MAX_SINK_MESSAGES);
        send(res, 200, 'application/json', JSON.stringify({ ok: true }));
        return true;
      }
      if (url.searchParams.get('format') === 'json' || req.headers.accept?.includes('application/json')) {
        send(res, 200, 'application/json', JSON.stringify(notifications));
      } else {
        const items = notifications
          .map((n) => `<li><time>${escapeHtml(n.at)}</time><pre>${escapeHtml(n.body)}</pre></li>`)
          .join('');
        send(
          res,
          200,
          'text/html; charset=utf-8',
          `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Notifications (local)</title><link rel="stylesheet" href="/static/style.css"><main><h1>Notifications posted by notify steps</h1><p>Locally, http steps whose secret is not set post here.</p><ol class="sink">${items || '<li>None yet.</li>'}</ol></main></html>`,
        );
      }
      return true;
    }
    for (const route of extra) if (await route(req, res, url)) return true;
    return false;
  };

  return {
    handle,
    notifications,
    setReady: (value) => {
      ready = value;
    },
    add: (route) => extra.push(route),
  };
}

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../functions/adapters/memory-audit-log.ts';
import { NotifyFailedError } from '../../../functions/core/notify/notify-failed-error.ts';
import { type NotifyDeps, sendNotification } from '../../../functions/core/notify/send-notification.ts';
import type { LogPort } from '../../../functions/core/ports.ts';
import { createNotifyHandler } from '../../../functions/notify/handler.ts';
import type { NotifyInput } from '../../../statemachines/contract.ts';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const SECRET_PATH = '/services/T0001/B0002/XyZsEcReTtOkEn123';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];
/** What the server answers next, by path. */
const answers = new Map<string, { status: number; body: string; delay?: boolean }>();

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const answer = answers.get(path) ?? { status: 200, body: 'ok' };
    if (answer.delay) return; // never answers: the caller's timeout decides
    res.writeHead(answer.status, { 'content-type': 'text/plain' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let audit: MemoryAuditLog;
let logs: string[];
let secrets: Record<string, string>;
let deps: NotifyDeps;

beforeEach(() => {
  received.length = 0;
  answers.clear();
  audit = new MemoryAuditLog();
  logs = [];
  const record =
    (level: string): LogPort['info'] =>
    (message, extra) =>
      logs.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`);
  secrets = { 'deployments-slack-webhook': `${base}${SECRET_PATH}` };
  deps = {
    secrets: { get: async (name) => secrets[name] },
    audit,
    now: () => T0,
    log: { info: record('info'), warn: record('warn'), error: record('error') },
    config: { publicUrl: 'https://signoff.example.com' },
  };
});

function notifyInput(http: Partial<NotifyInput['http']>, title = 'Bump "vpc" module'): NotifyInput {
  return {
    run: {
      id: 'd-abc123',
      workflow: 'production-deploy-with-approval',
      environment: 'production',
      production: true,
      trigger: {
        type: 'github',
        delivery: 'd-1',
        repository: 'acme/infrastructure',
        branch: 'main',
        pr: {
          number: 42,
          title,
          author: 'octocat',
          merge_commit: 'abc',
          url: 'https://github.com/acme/infrastructure/pull/42',
        },
      },
      started_by: null,
      started_at: '2026-11-25T10:00:00.000Z',
    },
    step_id: 'notify',
    http: { method: 'POST', headers: {}, ...http },
    outcome: 'succeeded',
    data: {
      plan: {
        step_id: 'plan',
        project: 'example-site',
        add: 2,
        change: 1,
        destroy: 0,
        replace: 0,
        resources: [],
        resources_truncated: false,
        hash: 'h'.repeat(64),
        artifacts: { plan_json: 'runs/d-abc123/plan/plan.json' },
      },
    },
  };
}

/** Everything a secret URL could leak into: the log, the audit trail and the error. */
function leaks(error?: unknown): string {
  return [logs.join('\n'), JSON.stringify(audit.events), String((error as Error | undefined)?.message)].join(
    '\n',
  );
}

describe('sendNotification', () => {
  it('posts the rendered template to the secret URL, as valid JSON even with quotes in a PR title', async () => {
    const body =
      '{"text": "{{workflow}} {{outcome}}: {{pr.title}} +{{plan.add}} ~{{plan.change}} {{run_url}}"}';
    const result = await sendNotification(deps, notifyInput({ secret: 'deployments-slack-webhook', body }));
    expect(result).toEqual({ status: 200 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: SECRET_PATH });
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      text: 'production-deploy-with-approval succeeded: Bump "vpc" module +2 ~1 https://signoff.example.com/runs/d-abc123',
    });
  });

  it('audits notified with the status code and the secret name, never the URL', async () => {
    await sendNotification(deps, notifyInput({ secret: 'deployments-slack-webhook' }));
    expect(audit.events).toEqual([
      expect.objectContaining({
        action: 'notified',
        actor: { email: 'system:notify', name: 'signoff notify' },
        run_id: 'd-abc123',
        step_id: 'notify',
        details: {
          target: 'secret:deployments-slack-webhook',
          method: 'POST',
          outcome: 'succeeded',
          delivered: true,
          status: 200,
        },
      }),
    ]);
    expect(leaks()).not.toContain('XyZsEcReTtOkEn123');
    expect(
      logs.some((l) => l.includes('notification sent') && l.includes('secret:deployments-slack-webhook')),
    ).toBe(true);
  });

  it('sends a JSON run summary when the step has no body, with the step headers', async () => {
    await sendNotification(
      deps,
      notifyInput({ url: `${base}/hooks/plain`, headers: { 'x-team': 'platform' } }),
    );
    const request = received[0];
    expect(request?.headers['x-team']).toBe('platform');
    const parsed = JSON.parse(request?.body ?? '');
    expect(parsed.text).toBe(
      'production-deploy-with-approval Succeeded (run d-abc123): Finished. https://signoff.example.com/runs/d-abc123',
    );
    expect(parsed.summary).toMatchObject({ 'pr.title': 'Bump "vpc" module', 'plan.add': '2' });
    // A plain url shows only its origin in the audit trail: its path may hold a token too.
    expect(audit.events[0]?.details).toMatchObject({ target: base, status: 200 });
  });

  it('sends no body with GET', async () => {
    await sendNotification(deps, notifyInput({ url: `${base}/ping`, method: 'GET', body: '{"a":1}' }));
    expect(received[0]).toMatchObject({ method: 'GET', body: '' });
  });

  it('throws on a non-2xx answer, with the answer but without the secret path it echoes', async () => {
    answers.set(SECRET_PATH, { status: 404, body: `Cannot POST ${SECRET_PATH}` });
    const error = await sendNotification(deps, notifyInput({ secret: 'deployments-slack-webhook' })).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(NotifyFailedError);
    expect(error.name).toBe('NotifyFailedError');
    expect(error.message).toBe(
      'POST to secret:deployments-slack-webhook answered 404: Cannot POST [redacted]',
    );
    expect(audit.events[0]?.details).toMatchObject({ delivered: false, status: 404 });
    expect(leaks(error)).not.toContain('XyZsEcReTtOkEn123');
  });

  it('does not follow redirects', async () => {
    answers.set('/moved', { status: 302, body: '' });
    await expect(sendNotification(deps, notifyInput({ url: `${base}/moved` }))).rejects.toThrow(
      'answered 302',
    );
    expect(received).toHaveLength(1);
  });

  it('fails when the target does not answer in time', async () => {
    answers.set('/slow', { status: 200, body: '', delay: true });
    const error = await sendNotification(
      { ...deps, notifyTimeoutMs: 200 },
      notifyInput({ url: `${base}/slow` }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(NotifyFailedError);
    expect(error.message).toBe(`POST to ${base} timed out after 200 ms`);
    expect(audit.events[0]?.details).toMatchObject({ delivered: false, error: 'timed out after 200 ms' });
  });

  it('fails without connecting when the secret is unset, not a URL or not http(s)', async () => {
    await expect(sendNotification(deps, notifyInput({ secret: 'missing-secret' }))).rejects.toThrow(
      'the secret missing-secret is not set',
    );
    secrets['bad-url'] = 'not a url XyZsEcReTtOkEn123';
    const bad = await sendNotification(deps, notifyInput({ secret: 'bad-url' })).catch((e) => e);
    expect(bad.message).toBe('secret:bad-url is not a valid URL');
    secrets.ftp = 'ftp://files.example.com/XyZsEcReTtOkEn123';
    const ftp = await sendNotification(deps, notifyInput({ secret: 'ftp' })).catch((e) => e);
    expect(ftp.message).toBe('secret:ftp is not an http or https URL');
    expect(received).toEqual([]);
    expect(leaks(bad) + leaks(ftp)).not.toContain('XyZsEcReTtOkEn123');
  });

  it('fails when nothing listens at the target', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    secrets.gone = `http://127.0.0.1:${port}${SECRET_PATH}`;
    const error = await sendNotification(deps, notifyInput({ secret: 'gone' })).catch((e) => e);
    expect(error.message).toBe('POST to secret:gone could not connect');
    expect(leaks(error)).not.toContain('XyZsEcReTtOkEn123');
  });
});

describe('notify handler', () => {
  it('sends the notification with the deps it is given and returns the status', async () => {
    const handler = createNotifyHandler(() => deps);
    expect(await handler(notifyInput({ secret: 'deployments-slack-webhook' }))).toEqual({ status: 200 });
    expect(received).toHaveLength(1);
  });
});

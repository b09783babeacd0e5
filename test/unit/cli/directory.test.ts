/**
 * `signoff directory sync`: the CLI runs as a process against an HTTP server that stands in for
 * the API and records what it was asked.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IdentityRow } from '../../../functions/core/auth/directory-sync.ts';
import { projectRoot } from '../../support/examples.ts';

const TOKENS = { 'alice@acme.com': 'tok-alice', 'bob@acme.com': 'tok-bob' };

const ROWS: IdentityRow[] = [
  {
    email: 'bob@acme.com',
    name: 'Bob Builder',
    signed_in_at: '2026-11-23T10:00:00.000Z',
    age_days: 2,
    stale: false,
    role: 'developer',
    teams_from_idp: ['platform', 'sre'],
    groups: ['okta:platform', 'okta:sre', 'okta:engineers'],
  },
  {
    email: 'carol@acme.com',
    name: 'Carol Ops',
    signed_in_at: '2026-11-16T09:30:00.000Z',
    age_days: 9,
    stale: true,
    role: 'none',
    teams_from_idp: [],
    groups: ['okta:platform'],
  },
  {
    email: 'dave@acme.com',
    name: 'Dave Net',
    signed_in_at: '2026-11-24T08:00:00.000Z',
    age_days: 1,
    stale: false,
    role: 'developer',
    teams_from_idp: [],
    groups: ['okta:platform'],
    revoked_at: '2026-11-25T09:00:00.000Z',
  },
];

let server: Server;
let url: string;
let root: string;
const seen: { method: string; path: string; token: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    seen.push({ method: req.method ?? '', path: req.url ?? '', token });
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (token !== 'tok-alice')
      return reply(403, { message: 'only admins may list or revoke identity records' });
    const path = req.url ?? '';
    if (req.method === 'GET' && path === '/api/directory/identities') return reply(200, { identities: ROWS });
    const revoke = path.match(/^\/api\/directory\/identities\/([^/]+)\/revoke$/)?.[1];
    if (req.method === 'POST' && revoke) {
      const email = decodeURIComponent(revoke);
      if (email === 'bob@acme.com')
        return reply(200, {
          kind: 'revoked',
          email,
          revoked_at: '2026-11-25T10:00:00.000Z',
          sessions_ended: 2,
        });
      if (email === 'dave@acme.com')
        return reply(200, {
          kind: 'already_revoked',
          email,
          revoked_at: '2026-11-25T09:00:00.000Z',
          sessions_ended: 0,
        });
      return reply(404, { message: `nobody has signed in as ${email} through the identity provider` });
    }
    reply(404, { message: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  root = mkdtempSync(join(tmpdir(), 'signoff-cli-directory-'));
  mkdirSync(join(root, '.signoff'));
  writeFileSync(join(root, '.signoff', 'tokens.json'), JSON.stringify(TOKENS));
  writeFileSync(join(root, '.signoff', 'runtime.json'), JSON.stringify({ url }));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
});

function signoff(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(projectRoot, 'bin/signoff.js'), ...args],
      { cwd: root, env: { ...process.env, SIGNOFF_TOKEN: '', SIGNOFF_ENDPOINT: '' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('signoff directory sync', () => {
  it('prints a table of every sign-in, stale and revoked ones marked, and says when removals show', async () => {
    const out = await signoff(['directory', 'sync', '--as', 'alice@acme.com']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n').map((line) => line.trimEnd())).toEqual([
      'EMAIL           ROLE       IDP TEAMS      LAST SIGN-IN',
      'bob@acme.com    developer  platform, sre  2026-11-23 10:00 UTC (2d ago)',
      'carol@acme.com  none       -              2026-11-16 09:30 UTC (9d ago)  STALE',
      'dave@acme.com   developer  -              2026-11-24 08:00 UTC (1d ago)  REVOKED 2026-11-25',
      'Each row is what the person’s last sign-in said; a removal from a group at the identity provider shows at their next sign-in (revoke with --revoke EMAIL to act now).',
      '',
    ]);
    expect(seen).toEqual([{ method: 'GET', path: '/api/directory/identities', token: 'tok-alice' }]);
  });

  it('prints the API’s answer with --json', async () => {
    const out = await signoff(['directory', 'sync', '--json', '--as', 'alice@acme.com']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ identities: ROWS });
  });

  it('revokes with --revoke, URL-encoding the email, and says how many sessions ended', async () => {
    const out = await signoff(['directory', 'sync', '--revoke', 'bob@acme.com', '--as', 'alice@acme.com']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      'revoked bob@acme.com: no IdP teams or IdP role until they sign in again; 2 sessions ended\n',
    );
    expect(seen).toEqual([
      { method: 'POST', path: '/api/directory/identities/bob%40acme.com/revoke', token: 'tok-alice' },
    ]);
  });

  it('says when the record was already revoked', async () => {
    const out = await signoff(['directory', 'sync', '--revoke', 'dave@acme.com', '--as', 'alice@acme.com']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      'dave@acme.com was already revoked at 2026-11-25T09:00:00.000Z; nothing changed\n',
    );
  });

  it('prints the server’s refusal and exits 1: not an admin, or nobody by that email', async () => {
    const refused = await signoff(['directory', 'sync', '--as', 'bob@acme.com']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('signoff: 403: only admins may list or revoke identity records\n');
    const unknown = await signoff([
      'directory',
      'sync',
      '--revoke',
      'nobody@acme.com',
      '--as',
      'alice@acme.com',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      'signoff: 404: nobody has signed in as nobody@acme.com through the identity provider\n',
    );
  });

  it('refuses a bad command line before asking the server, and has its own --help', async () => {
    expect(await signoff(['directory'])).toMatchObject({
      code: 2,
      stderr: 'signoff: usage: signoff directory sync [--json] | directory sync --revoke EMAIL\n',
    });
    expect((await signoff(['directory', 'sync', '--revoke', ' ', '--as', 'alice@acme.com'])).code).toBe(2);
    const help = await signoff(['directory', 'sync', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('signoff directory sync --revoke EMAIL');
    expect(help.stdout).toContain('cannot see that someone left a group');
    expect(seen).toEqual([]);
  });
});

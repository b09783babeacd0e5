/**
 * Who the CLI acts as without `--as` (issue: `npx signoff audit` and `audit verify`, as the README
 * shows them, failed without `--as`). The CLI runs as a process against a real HTTP server that
 * stands in for the local runtime's API and records which token each request carried.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../support/examples.ts';

const TOKENS = { 'victor@acme.com': 'tok-victor', 'alice@acme.com': 'tok-alice', 'bob@acme.com': 'tok-bob' };
const person = (email: string) => ({ email, name: email.split('@')[0], role: 'developer' });

/** A run waiting at gate `approve`: asked `asked`, voted by `voted`, started by jane. */
function runView(id: string, asked: string[], voted: string[]) {
  return {
    run: { id, workflow: 'w' },
    steps: [],
    locks: [],
    gates: [
      {
        gate: {
          gate_id: `${id}:approve`,
          step_id: 'approve',
          status: 'pending',
          approvers: asked.map(person),
          escalations: {},
          requester: { email: 'jane@acme.com', name: 'Jane' },
          config: { approvers: ['team:x'], allow_self_approval: false },
          required: 2,
        },
        votes: voted.map((email) => ({
          email,
          name: email,
          decision: 'approve',
          at: '2026-12-01T00:00:00Z',
        })),
        asked: asked.map(person),
      },
    ],
  };
}

const VIEWS: Record<string, unknown> = {
  'one-left': runView('one-left', ['alice@acme.com', 'bob@acme.com'], ['alice@acme.com']),
  'two-left': runView('two-left', ['alice@acme.com', 'bob@acme.com'], []),
};

let server: Server;
let url: string;
let root: string;
const seen: { method: string; path: string; token: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      token: (req.headers.authorization ?? '').replace(/^Bearer /, ''),
    });
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path === '/api/audit') return reply(200, { events: [] });
    if (path === '/api/audit/verify') return reply(200, { ok: true, runs: [] });
    const run = path.match(/^\/api\/runs\/([^/]+)$/)?.[1];
    if (run && VIEWS[run]) return reply(200, VIEWS[run]);
    if (req.method === 'POST' && path.endsWith('/votes'))
      return reply(200, { status: 'pending', approvals: 2, required: 2 });
    reply(404, { message: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  root = mkdtempSync(join(tmpdir(), 'signoff-cli-identity-'));
  cpSync(join(projectRoot, 'config'), join(root, 'config'), { recursive: true });
  mkdirSync(join(root, '.signoff'));
  writeFileSync(join(root, '.signoff', 'tokens.json'), JSON.stringify(TOKENS));
  writeFileSync(
    join(root, '.signoff', 'runtime.json'),
    JSON.stringify({ url, default_identity: 'victor@acme.com' }),
  );
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

describe('the CLI without --as, against the local runtime', () => {
  it('`signoff audit` reads as the local runtime default identity, the viewer', async () => {
    const out = await signoff(['audit']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(seen).toEqual([expect.objectContaining({ path: '/api/audit?limit=100', token: 'tok-victor' })]);
  });

  it('`signoff audit verify` reads as the default identity too', async () => {
    const out = await signoff(['audit', 'verify']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('0 run(s) verified');
    expect(seen.map((s) => s.token)).toEqual(['tok-victor']);
  });

  it('`signoff approve RUN` votes as the only approver left to vote, and says so', async () => {
    const out = await signoff(['approve', 'one-left']);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain(
      'acting as bob@acme.com, the only one of the approvers of gate approve who have not voted',
    );
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/gates/one-left:approve/votes',
      token: 'tok-bob',
    });
  });

  it('`signoff approve RUN` with two approvers left names them and votes for nobody', async () => {
    const out = await signoff(['approve', 'two-left']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      'say who you are: --as EMAIL (local runtime), or --token / SIGNOFF_TOKEN; the approvers of gate approve who have not voted: alice@acme.com, bob@acme.com',
    );
    expect(seen.filter((s) => s.method === 'POST')).toEqual([]);
  });

  it('another endpoint gets no local identity: the CLI asks who you are', async () => {
    const out = await signoff(['audit', '--endpoint', 'http://127.0.0.1:9']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('say who you are');
  });
});

import '../../../local/polyfills.ts';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLogFileName, FileBuildLogReader } from '../../../functions/adapters/file-build-log-reader.ts';
import { LOG_PAGE_LINES } from '../../../functions/core/logs/read-step-log.ts';
import type { StepBuild } from '../../../functions/core/ports.ts';
import { runInfo } from '../../support/approval-fixtures.ts';
import { SIGNING_KEY, signInByEmail, startWebHarness, type WebHarness } from './web-harness.ts';

let h: WebHarness;
let cookie = '';
let logDir = '';
/** The builds each execution has, as the history would show them. */
const builds = new Map<string, StepBuild[]>();

beforeAll(async () => {
  h = await startWebHarness();
  logDir = mkdtempSync(join(tmpdir(), 'signoff-build-logs-'));
  h.deps.buildLogs = new FileBuildLogReader(logDir);
  h.deps.stepBuilds = { list: async (arn) => builds.get(arn) ?? [] };
  cookie = await signInByEmail(h, 'bob@acme.com');
});

afterAll(async () => {
  await h?.stop();
});

/** A running run of the fixture workflow whose `plan` step started build `buildId`. */
async function runWithBuild(buildId?: string): Promise<{ runId: string; build?: StepBuild }> {
  const run = runInfo();
  const arn = `arn:aws:states:us-east-1:000000000000:execution:signoff-production-deploy:${run.id}`;
  await h.deps.runs.create({ ...run, execution_arn: arn, status: 'RUNNING' });
  const build = buildId ? { state: 'plan', build_id: buildId, ended: false } : undefined;
  builds.set(arn, build ? [build] : []);
  return { runId: run.id, ...(build ? { build } : {}) };
}

interface LogPage {
  build: string;
  lines: string[];
  cursor: string;
  done: boolean;
}

async function readLog(
  runId: string,
  step: string,
  cursor?: string,
  headers: Record<string, string> = { cookie },
) {
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
  const response = await fetch(`${h.url}/runs/${runId}/steps/${step}/log${query}`, {
    headers,
    redirect: 'manual',
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as LogPage,
  };
}

const logFile = (buildId: string) => join(logDir, buildLogFileName(buildId));

describe('GET /runs/{runId}/steps/{stepId}/log', () => {
  it('answers 401 without a session, and shows nothing of the log', async () => {
    const { runId } = await runWithBuild('signoff-net-plan:11111111-aaaa');
    writeFileSync(logFile('signoff-net-plan:11111111-aaaa'), 'terraform plan\n');
    const out = await readLog(runId, 'plan', undefined, {});
    expect(out.status).toBe(401);
    expect(out.type).toContain('application/json');
    expect(JSON.stringify(out.body)).not.toContain('terraform');
  });

  it('answers 404 for an unknown run, an unknown step and a step that builds nothing', async () => {
    const { runId } = await runWithBuild('signoff-net-plan:22222222-bbbb');
    expect((await readLog('run-does-not-exist', 'plan')).status).toBe(404);
    expect((await readLog('not a run id!', 'plan')).status).toBe(404);
    expect((await readLog(runId, 'deploy')).status).toBe(404);
    const approval = await readLog(runId, 'approve');
    expect(approval.status).toBe(404);
    expect(approval.body).toEqual({ message: `Run "${runId}" has no build step "approve".` });
  });

  it('says the build has not started yet, and keeps polling', async () => {
    const { runId } = await runWithBuild();
    const out = await readLog(runId, 'plan');
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ build: 'waiting', lines: [], done: false });
  });

  it('pages through the log with the cursor, follows new lines, and is done once the build ended and all was read', async () => {
    const id = 'signoff-net-plan:33333333-cccc';
    const { runId, build } = await runWithBuild(id);
    const total = LOG_PAGE_LINES * 2 + 20;
    writeFileSync(logFile(id), Array.from({ length: total }, (_, i) => `line ${i + 1}\n`).join(''));
    const first = await readLog(runId, 'plan');
    expect(first.body.lines).toHaveLength(LOG_PAGE_LINES);
    expect(first.body.lines[0]).toBe('line 1');
    expect(first.body).toMatchObject({ build: 'running', done: false });
    const second = await readLog(runId, 'plan', first.body.cursor);
    expect(second.body.lines[0]).toBe(`line ${LOG_PAGE_LINES + 1}`);
    const third = await readLog(runId, 'plan', second.body.cursor);
    expect(third.body.lines).toEqual(
      Array.from({ length: 20 }, (_, i) => `line ${LOG_PAGE_LINES * 2 + i + 1}`),
    );
    // Nothing new yet: the same position again, still running.
    const idle = await readLog(runId, 'plan', third.body.cursor);
    expect(idle.body).toMatchObject({ lines: [], cursor: third.body.cursor, done: false });
    // A line still being written is held back until it ends.
    appendFileSync(logFile(id), 'Plan: 1 to add');
    expect((await readLog(runId, 'plan', idle.body.cursor)).body.lines).toEqual([]);
    appendFileSync(logFile(id), ', 0 to change\n');
    if (build) build.ended = true;
    const last = await readLog(runId, 'plan', idle.body.cursor);
    expect(last.body).toMatchObject({ build: 'ended', lines: ['Plan: 1 to add, 0 to change'], done: false });
    const end = await readLog(runId, 'plan', last.body.cursor);
    expect(end.body).toMatchObject({ lines: [], done: true });
  });

  it('masks known secrets and token shapes, also a private key block cut by a page boundary', async () => {
    const id = 'signoff-net-plan:44444444-dddd';
    const { runId } = await runWithBuild(id);
    const filler = Array.from({ length: LOG_PAGE_LINES - 2 }, (_, i) => `step ${i}\n`).join('');
    writeFileSync(
      logFile(id),
      `${filler}-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretkeymaterial1\nMIIEsecretkeymaterial2\n-----END RSA PRIVATE KEY-----\n` +
        `signing with ${SIGNING_KEY}\naccess key AKIAIOSFODNN7EXAMPLE\nAuthorization: Bearer abc.def.ghi\n`,
    );
    const first = await readLog(runId, 'plan');
    const second = await readLog(runId, 'plan', first.body.cursor);
    const all = [...first.body.lines, ...second.body.lines];
    const text = all.join('\n');
    expect(text).not.toContain('secretkeymaterial');
    expect(text).not.toContain(SIGNING_KEY);
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(text).not.toContain('abc.def.ghi');
    expect(first.body.lines.slice(-2)).toEqual(['-----BEGIN RSA PRIVATE KEY-----', '****']);
    expect(second.body.lines).toEqual([
      '****',
      '****-----END RSA PRIVATE KEY-----',
      'signing with ****',
      'access key ****',
      'Authorization: Bearer ****',
    ]);
  });

  it('starts a retried step’s new build from its first line, and refuses a cursor it did not hand out', async () => {
    const { runId, build } = await runWithBuild('signoff-net-plan:55555555-eeee');
    writeFileSync(logFile('signoff-net-plan:55555555-eeee'), 'first attempt\n');
    const first = await readLog(runId, 'plan');
    expect(first.body.lines).toEqual(['first attempt']);
    const run = await h.deps.runs.get(runId);
    const retried = { state: 'plan', build_id: 'signoff-net-plan:66666666-ffff', ended: false };
    if (build) build.ended = true;
    builds.get(run?.execution_arn ?? '')?.push(retried);
    writeFileSync(logFile(retried.build_id), 'second attempt\n');
    expect((await readLog(runId, 'plan', first.body.cursor)).body.lines).toEqual(['second attempt']);

    for (const bad of [
      'not-a-cursor',
      Buffer.from(JSON.stringify({ b: retried.build_id, p: 'abc' })).toString('base64url'),
      'x'.repeat(3000),
    ]) {
      const out = await readLog(runId, 'plan', bad);
      expect(out.status).toBe(400);
      expect(out.body).toEqual({ message: expect.stringMatching(/^Bad log cursor/) });
    }
  });
});

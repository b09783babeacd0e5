/**
 * Change freezes on the local runtime: the same compiled freeze check (task, choice, wait) in front
 * of the apply, the same run-ended function answering it from dynalite, ad-hoc freezes started and
 * ended from the CLI through the API. The freeze is checked again every second here (AWS: every 5
 * minutes at first), so "within one poll" is a second or two.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../cli/main.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

let rt: TestRuntime;
let tokens: Record<string, string>;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'signoff-freezes-'));
  rt = await startTestRuntime({ dataDir, freezePollSeconds: 1 });
  tokens = JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')) as Record<string, string>;
}, 60_000);
afterAll(async () => {
  await rt?.stop();
});

/** Runs the CLI as `as` against the runtime; returns its exit code and what it printed. */
async function cli(as: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await main([...args, '--endpoint', rt.url, '--token', tokens[as] as string]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

const freezeId = (out: string) => /started freeze (freeze-[0-9a-z-]+)/.exec(out)?.[1] as string;

describe('change freezes on the local runtime', () => {
  it('a freeze started while a run waits at its gate holds the approved apply until the CLI ends it, then it applies within a poll', {
    timeout: 120_000,
  }, async () => {
    const refused = await cli('bob@acme.com', 'freeze', 'add', '--reason', 'not mine to freeze');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('403: only admins may start or end a freeze');

    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    const gateId = await rt.pendingGate('jane@acme.com', run.id, 'approve');
    const added = await cli(
      'alice@acme.com',
      'freeze',
      'add',
      '--reason',
      'incident 4711',
      '--env',
      'production',
    );
    expect(added.code).toBe(0);
    expect(added.out).toContain('covering env production, until you end it; applies wait meanwhile');
    const id = freezeId(added.out);
    const listed = await cli('alice@acme.com', 'freeze', 'list');
    expect(listed.out).toMatch(
      new RegExp(`in effect +${id} .*until ended +env production +wait +incident 4711`),
    );

    expect((await rt.vote('alice@acme.com', gateId, 'approve')).body).toMatchObject({ status: 'approved' });
    const frozen = await rt.waitFor('jane@acme.com', run.id, (v) => v.outcome === 'Frozen');
    expect(frozen.outcome_detail).toBe(
      `Step apply waits: frozen until an admin ends the freeze (${id}: incident 4711).`,
    );
    expect(frozen.steps.find((s) => s.id === 'apply')?.status).toBe('frozen');
    expect(frozen.frozen).toMatchObject({
      step_id: 'apply',
      freezes: [{ name: id, reason: 'incident 4711' }],
    });
    // Frozen for a few checks: the apply stays held, and the project stays locked by this run.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await rt.waitFor('jane@acme.com', run.id, () => true)).outcome).toBe('Frozen');
    expect((await rt.deps.locks.get('example-site'))?.holder?.run_id).toBe(run.id);

    const ended = await cli('alice@acme.com', 'freeze', 'end', id);
    expect(ended.out).toContain(`ended freeze ${id} (incident 4711); held applies go on at their next check`);
    const done = await rt.waitFor('jane@acme.com', run.id, () => false, 60_000);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(done.steps.find((s) => s.id === 'apply')?.status).toBe('succeeded');

    const runEvents = await rt.deps.auditQuery.readRun(run.id);
    expect(runEvents.filter((e) => e.action === 'apply_frozen')).toMatchObject([
      {
        step_id: 'apply',
        reason: `Apply waits: frozen until an admin ends the freeze (${id}: incident 4711)`,
      },
    ]);
    expect(runEvents.map((e) => e.action)).toContain('applied');
    expect((await rt.deps.auditQuery.readRun(id)).map((e) => [e.action, e.actor.email])).toEqual([
      ['freeze_started', 'alice@acme.com'],
      ['freeze_ended', 'alice@acme.com'],
    ]);
  });

  it('an emergency bypass started during a freeze goes through it, audited freeze_overridden with its justification', {
    timeout: 120_000,
  }, async () => {
    const added = await cli('alice@acme.com', 'freeze', 'add', '--reason', 'launch day', '--for', '2h');
    const id = freezeId(added.out);
    const run = await rt.startRun(
      'alice@acme.com',
      'production-emergency-deploy',
      'INC-42: revert the bad config',
    );
    const done = await rt.waitFor('alice@acme.com', run.id, () => false, 60_000);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(
      (await rt.deps.auditQuery.readRun(run.id)).filter((e) => e.action === 'freeze_overridden'),
    ).toMatchObject([
      {
        actor: { email: 'alice@acme.com' },
        step_id: 'apply',
        reason: expect.stringContaining(
          `(${id}: launch day); justification: 'INC-42: revert the bad config'`,
        ),
      },
    ]);
    expect((await cli('alice@acme.com', 'freeze', 'end', id)).code).toBe(0);
  });
});

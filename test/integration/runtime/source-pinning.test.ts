/**
 * Runs build the commit they started with. Reproduction (issue: "the build runs the wrong
 * code"): start a run, push a commit while it waits at its gate, approve: the plan and the apply
 * must both be of the commit the run started with, and the audit must say which commit that was.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

const git = (...args: string[]) =>
  execFileSync('git', ['-C', rt.repository, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();

/** Commits a new heading for the example site on main; returns the new head. */
function commitHeading(heading: string): string {
  const file = join(rt.repository, 'examples/local-files/desired.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/<h1>.*<\/h1>/, `<h1>${heading}</h1>`));
  git('commit', '--quiet', '-am', heading);
  return git('rev-parse', 'main');
}

const deployedPage = () => readFileSync(join(rt.dataDir, 'example-files/site/public/index.html'), 'utf8');

async function approveAndFinish(runId: string) {
  const gateId = await rt.pendingGate('jane@acme.com', runId, 'approve');
  expect((await rt.vote('alice@acme.com', gateId, 'approve')).status).toBe(200);
  return rt.waitFor('jane@acme.com', runId, () => false);
}

async function auditDetails(runId: string, action: string) {
  const { body } = await rt.api('alice@acme.com', 'GET', `/api/audit?run=${runId}&limit=100`);
  return (body.events as { action: string; details?: Record<string, unknown> }[]).find(
    (e) => e.action === action,
  )?.details;
}

describe('runs build the commit they started with', () => {
  it('a commit pushed while the run waits at its gate changes neither its plan nor its apply', async () => {
    const started = git('rev-parse', 'main');
    const run = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    expect(run.source).toEqual({
      type: 'repository',
      repository: 'local',
      ref: 'main',
      commit: started,
      checkout: started,
    });
    await rt.pendingGate('jane@acme.com', run.id, 'approve');

    const pushed = commitHeading('Pushed after the run started');
    const done = await approveAndFinish(run.id);
    // Had the apply built the new commit, its re-plan would differ from the approved one (drift).
    expect(done.run.status).toBe('SUCCEEDED');
    expect(deployedPage()).toContain('Deployed through signoff');
    expect(deployedPage()).not.toContain('Pushed after the run started');
    expect((await rt.api('jane@acme.com', 'GET', `/api/runs/${run.id}`)).body.run.source.commit).toBe(
      started,
    );
    expect(await auditDetails(run.id, 'requested')).toMatchObject({ commit: started });
    expect(await auditDetails(run.id, 'applied')).toMatchObject({ commit: started });

    // The next run starts from the new head and deploys it.
    const next = await rt.startRun('jane@acme.com', 'production-deploy-with-approval');
    expect(next.source).toMatchObject({ commit: pushed });
    expect((await approveAndFinish(next.id)).run.status).toBe('SUCCEEDED');
    expect(deployedPage()).toContain('Pushed after the run started');
    expect(await auditDetails(next.id, 'applied')).toMatchObject({ commit: pushed });
  }, 180_000);

  it('builds an older commit when asked for it by SHA, and refuses commits and refs the repository lacks', async () => {
    const first = git('rev-list', '--max-parents=0', 'main');
    const start = (body: Record<string, unknown>) =>
      rt.api('jane@acme.com', 'POST', '/api/runs', { workflow: 'production-deploy-with-approval', ...body });

    const old = await start({ sha: first });
    expect(old.status).toBe(201);
    expect(old.body.run.source).toMatchObject({ commit: first, checkout: first });
    // Its plan built that commit; reject it so it ends.
    const gateId = await rt.pendingGate('jane@acme.com', old.body.run.id, 'approve');
    expect((await rt.vote('alice@acme.com', gateId, 'reject', 'only checking the pin')).status).toBe(200);

    const missing = await start({ sha: 'f'.repeat(40) });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe(`commit ${'f'.repeat(40)} is not in the repository`);
    const noBranch = await start({ ref: 'release/9' });
    expect(noBranch.status).toBe(400);
    expect(noBranch.body.message).toBe('no branch or tag named "release/9" in the repository');
    const badShape = await start({ ref: '--upload-pack=evil' });
    expect(badShape.status).toBe(400);
    expect(badShape.body.message).toMatch(/ref must not start with "-"/);

    const { body } = await rt.api(
      'alice@acme.com',
      'GET',
      '/api/audit?workflow=production-deploy-with-approval&limit=200',
    );
    const refusals = (body.events as { action: string; reason?: string }[]).filter(
      (e) => e.action === 'start_refused',
    );
    expect(refusals.map((e) => e.reason)).toEqual(
      expect.arrayContaining([
        `commit ${'f'.repeat(40)} is not in the repository`,
        'no branch or tag named "release/9" in the repository',
      ]),
    );
  });
});

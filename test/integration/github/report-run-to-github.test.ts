import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FetchGitHubApi } from '../../../functions/adapters/fetch-github-api.ts';
import { MemoryAuditLog } from '../../../functions/adapters/memory-audit-log.ts';
import { MemoryGitHubReportStore } from '../../../functions/adapters/memory-github-report-store.ts';
import { MemoryRunStore } from '../../../functions/adapters/memory-run-store.ts';
import {
  GIVE_UP_AFTER_MS,
  type GitHubReportDeps,
  reportOwedRuns,
  reportRunToGitHub,
} from '../../../functions/core/github/report-run-to-github.ts';
import type { Gate, RunRecord } from '../../../functions/core/ports.ts';
import { type FakeGitHubApi, startFakeGitHubApi } from '../../../local/github/fake-github-api.ts';
import {
  createClock,
  gateConfig,
  mergedPrRun,
  PR_SHA,
  RecordingLog,
  requestInput,
  runInfo,
  T0,
} from '../../support/approval-fixtures.ts';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let fake: FakeGitHubApi;
let deps: GitHubReportDeps & {
  runs: MemoryRunStore;
  githubReports: MemoryGitHubReportStore;
  audit: MemoryAuditLog;
  log: RecordingLog;
};
let gates: Gate[];
const clock = createClock();

beforeEach(async () => {
  clock.set(T0);
  fake = await startFakeGitHubApi({ appId: '7', privateKey, repositories: ['acme/infrastructure'] });
  const api = new FetchGitHubApi({ appId: '7', privateKey }, fake.apiUrl);
  gates = [];
  deps = {
    runs: new MemoryRunStore(),
    gates: { listByRun: async () => structuredClone(gates) },
    githubReports: new MemoryGitHubReportStore(),
    github: async () => api,
    audit: new MemoryAuditLog(),
    config: { publicUrl: 'http://127.0.0.1:3000' },
    now: clock.now,
    log: new RecordingLog(),
  };
});
afterEach(() => fake.close());

async function startRun(info = mergedPrRun({ number: 42, title: 'Widen the VPC' })): Promise<RunRecord> {
  const run: RunRecord = { ...info, execution_arn: `arn:exec:${info.id}`, status: 'RUNNING' };
  await deps.runs.create(run);
  return run;
}

/** A pending two-person gate on the run, as request-approval stores it. */
function openGate(run: RunRecord): Gate {
  const input = requestInput({}, run);
  const gate: Gate = {
    gate_id: `${run.id}:approve`,
    run,
    step_id: 'approve',
    workflow: run.workflow,
    config: gateConfig(),
    approvers: [],
    unresolved: [],
    escalations: {},
    required: 2,
    requested_at: new Date(T0 + 60_000).toISOString(),
    deadline: new Date(T0 + 4 * 3600_000).toISOString(),
    requester: null,
    data: input.data,
    status: 'pending',
    approved_by: [],
    engine_notified: false,
  };
  gates.push(gate);
  return gate;
}

function vote(gate: Gate, name: string): void {
  gate.approved_by.push({
    email: `${name.toLowerCase()}@acme.com`,
    name,
    at: new Date(T0).toISOString(),
    channel: 'web',
  });
}

describe('reportRunToGitHub', () => {
  it('moves one check run through every state and edits one comment at each step', async () => {
    const run = await startRun();
    expect(await reportRunToGitHub(deps, run.id, { stage: 'queued' })).toBe('reported');
    expect(await reportRunToGitHub(deps, run.id, { stage: 'planning' })).toBe('reported');
    const gate = openGate(run);
    await reportRunToGitHub(deps, run.id);
    vote(gate, 'Alice');
    await reportRunToGitHub(deps, run.id);
    vote(gate, 'Bob');
    gate.status = 'approved';
    await reportRunToGitHub(deps, run.id);
    await deps.runs.finish(run.id, {
      status: 'SUCCEEDED',
      stopped_at: new Date(T0 + 3600_000).toISOString(),
    });
    await reportRunToGitHub(deps, run.id);

    expect(fake.checkRuns).toHaveLength(1);
    const check = fake.checkRuns[0];
    expect(check).toMatchObject({
      repository: 'acme/infrastructure',
      head_sha: PR_SHA,
      name: run.workflow,
      status: 'completed',
      conclusion: 'success',
      details_url: `http://127.0.0.1:3000/runs/${run.id}`,
    });
    expect(check?.history.map((h) => `${h.status}: ${h.title}`)).toEqual([
      'queued: queued, waiting for its project locks',
      'in_progress: planning…',
      'in_progress: waiting for approval: 0 of 2 (team:platform-leads)',
      'in_progress: waiting for approval: 1 of 2 (team:platform-leads)',
      'in_progress: approved by Alice and Bob; applying…',
      expect.stringMatching(/^completed: Succeeded: Finished at .* Approved by Alice and Bob\.$/),
    ]);
    expect(check?.output?.summary).toContain('3 to add, 1 to change, 0 to destroy');
    expect(check?.output?.summary).toContain('+$45.20/month');

    expect(fake.comments).toHaveLength(1);
    const comment = fake.comments[0];
    expect(comment).toMatchObject({ issue_number: 42, edits: 5 });
    expect(comment?.body).toContain('<details><summary>aws\\_vpc (1)</summary>');
    expect(comment?.body).toContain(
      '**Approvers** (approve): team:platform-leads: 2 of 2; approved by Alice and Bob',
    );
    expect(comment?.body).toMatch(/\*\*Outcome:\*\* Succeeded: /);
  });

  it('ends the check as a failure that says who rejected and why', async () => {
    const run = await startRun();
    const gate = openGate(run);
    gate.status = 'rejected';
    gate.closed_by = { email: 'dave@acme.com', name: 'Dave Net' };
    gate.closed_at = new Date(T0 + 120_000).toISOString();
    gate.close_comment = 'wrong CIDR, ask @acme/security';
    await deps.runs.finish(run.id, { status: 'FAILED', error: 'Rejected', stopped_at: gate.closed_at });
    await reportRunToGitHub(deps, run.id);
    expect(fake.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(fake.checkRuns[0]?.output?.title).toMatch(/^Rejected: Rejected by Dave Net at .*wrong CIDR/);
    // A comment quoting a team never pings it.
    expect(fake.comments[0]?.body).not.toContain('@acme/security');
    expect(fake.comments[0]?.body).toContain('&#64;acme/security');
  });

  it('reports nothing for a run no pull request started', async () => {
    const run = await startRun(runInfo());
    expect(await reportRunToGitHub(deps, run.id, { stage: 'planning' })).toBe('not_reported');
    expect(fake.checkRuns).toHaveLength(0);
  });

  it('leaves a rate-limited report to the sweep after retry-after, audits it once, and never touches the run', async () => {
    const run = await startRun();
    fake.rateLimitNext(10, 60);
    expect(await reportRunToGitHub(deps, run.id, { stage: 'planning' })).toBe('failed');
    expect(await reportRunToGitHub(deps, run.id)).toBe('failed');
    const report = await deps.githubReports.get(run.id);
    expect(report?.failure).toMatchObject({
      reason: expect.stringContaining('GitHub answered 403'),
      retry_at: new Date(T0 + 60_000).toISOString(),
      attempts: 2,
    });
    expect(deps.audit.events.filter((e) => e.action === 'notification_failed')).toEqual([
      expect.objectContaining({
        channel: 'github',
        reason: expect.stringContaining('GitHub check not updated'),
      }),
    ]);
    expect((await deps.runs.get(run.id))?.status).toBe('RUNNING');

    fake.rateLimitNext(0, 0);
    expect(await reportOwedRuns(deps)).toEqual([]);
    clock.advance(61_000);
    expect(await reportOwedRuns(deps)).toEqual(['reported']);
    expect((await deps.githubReports.get(run.id))?.failure).toBeUndefined();
    expect(fake.checkRuns).toHaveLength(1);
  });

  it('retries a short outage inline and creates the check run once', async () => {
    const run = await startRun();
    fake.failNext(2, 503);
    expect(await reportRunToGitHub(deps, run.id, { stage: 'planning' })).toBe('reported');
    expect(fake.checkRuns).toHaveLength(1);
    expect(fake.comments).toHaveLength(1);
  });

  it('records a revoked installation as owed, with GitHub’s answer and no token', async () => {
    const run = await startRun();
    await reportRunToGitHub(deps, run.id, { stage: 'planning' });
    fake.uninstall('acme/infrastructure');
    expect(await reportRunToGitHub(deps, run.id)).toBe('failed');
    const failure = (await deps.githubReports.get(run.id))?.failure;
    expect(failure?.reason).toMatch(/GitHub answered (401|404)/);
    expect(JSON.stringify(deps.log.lines)).not.toMatch(/ghs_|BEGIN RSA/);
  });

  it('stops retrying a report owed for three days (the app was removed for good); a later change of the run tries once more', async () => {
    const run = await startRun();
    await reportRunToGitHub(deps, run.id, { stage: 'planning' });
    fake.uninstall('acme/infrastructure');
    expect(await reportRunToGitHub(deps, run.id)).toBe('failed');
    // The sweep retries it, backing off to an hour, for three days.
    let swept = 0;
    while (clock.now() < T0 + GIVE_UP_AFTER_MS) {
      clock.advance(3_600_000);
      swept += (await reportOwedRuns(deps)).length;
    }
    expect(swept).toBeGreaterThan(60);
    const failure = (await deps.githubReports.get(run.id))?.failure;
    expect(failure).toMatchObject({ since: new Date(T0).toISOString(), given_up_at: expect.any(String) });
    clock.advance(3_600_000);
    expect(await reportOwedRuns(deps)).toEqual([]);
    // Audited once for the whole outage.
    expect(deps.audit.events.filter((e) => e.action === 'notification_failed')).toHaveLength(1);

    // The app is installed again and the run moves on: that report goes through.
    fake.install('acme/infrastructure');
    expect(await reportRunToGitHub(deps, run.id)).toBe('reported');
    expect((await deps.githubReports.get(run.id))?.failure).toBeUndefined();
  });

  it('sends a stage it already showed only once with onlyOnChange', async () => {
    const run = await startRun();
    await reportRunToGitHub(deps, run.id, { stage: 'queued', onlyOnChange: true });
    expect(await reportRunToGitHub(deps, run.id, { stage: 'queued', onlyOnChange: true })).toBe('unchanged');
    expect(await reportRunToGitHub(deps, run.id, { stage: 'planning', onlyOnChange: true })).toBe('reported');
    expect(fake.checkRuns[0]?.history.map((h) => h.status)).toEqual(['queued', 'in_progress']);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../functions/config.ts';
import { castVote } from '../../../functions/core/approval/cast-vote.ts';
import { DRAIN_ATTEMPTS } from '../../../functions/core/approval/drain-gate.ts';
import { ENGINE_CALL_LEASE_MS } from '../../../functions/core/approval/resume-gate.ts';
import { type AppDeps, createDeps } from '../../../functions/deps.ts';
import { setDeps } from '../../../functions/wiring/scope.ts';
import { DIRECTORY, requestInput } from '../../support/approval-fixtures.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';
import { startFakeAwsServer } from '../../support/fake-aws-server.ts';

let db: Dynalite;
let deps: AppDeps;
let sfn: Awaited<ReturnType<typeof startFakeAwsServer>>;
const stdout: string[] = [];
const originalWrite = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  db = await startDynalite();
  sfn = await startFakeAwsServer();
  const dir = mkdtempSync(join(tmpdir(), 'signoff-directory-'));
  writeFileSync(join(dir, 'directory.yaml'), stringify(DIRECTORY));
  Object.assign(process.env, {
    SIGNOFF_GATES_TABLE: db.tableNames.gates,
    SIGNOFF_AUDIT_TABLE: db.tableNames.audit,
    SIGNOFF_RUNS_TABLE: db.tableNames.runs,
    SIGNOFF_AUTH_TABLE: db.tableNames.auth,
    SIGNOFF_DYNAMODB_ENDPOINT: db.endpoint,
    SIGNOFF_SFN_ENDPOINT: sfn.endpoint,
    SIGNOFF_DIRECTORY_FILE: join(dir, 'directory.yaml'),
    SIGNOFF_SCHEDULER: 'timer',
    SIGNOFF_LOCAL: '1',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  // What the local runtime does: every handler takes its part of one full set of deps.
  deps = createDeps(loadConfig());
  setDeps(deps);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    stdout.push(String(chunk));
    return originalWrite(chunk, ...rest);
  }) as typeof process.stdout.write;
});

afterAll(async () => {
  process.stdout.write = originalWrite;
  deps.stop();
  setDeps(undefined);
  await sfn?.stop();
  await db?.stop();
});

describe('handlers', () => {
  it('request-approval stores the gate; a closing vote reaches Step Functions with the token', async () => {
    const { handler } = await import('../../../functions/request-approval/handler.ts');
    const input = requestInput({ required: 1 }, undefined, 'HANDLER-SECRET-TOKEN');
    const result = await handler(input);
    expect(result).toEqual({ gate_id: expect.stringMatching(/^g_/), outcome: 'created' });
    expect(JSON.stringify(result)).not.toContain('HANDLER-SECRET');

    const outcome = await castVote(deps, {
      gateId: result.gate_id,
      voter: 'alice@acme.com',
      decision: 'approve',
      channel: 'web',
    });
    expect(outcome).toMatchObject({ kind: 'counted', status: 'approved' });
    const call = sfn.requests.find((r) => r.headers['x-amz-target'] === 'AWSStepFunctions.SendTaskSuccess');
    expect(JSON.parse(call?.body ?? '{}').taskToken).toBe('HANDLER-SECRET-TOKEN');
    expect(stdout.join('')).toContain(result.gate_id);
    expect(stdout.join('')).not.toContain('HANDLER-SECRET');
  });

  it('record-timeout returns the { Error, Cause } the state machine fails the run with', async () => {
    const requestApproval = (await import('../../../functions/request-approval/handler.ts')).handler;
    const { handler } = await import('../../../functions/record-timeout/handler.ts');
    const cancel = requestInput();
    await requestApproval(cancel);
    const failure = await handler({
      run: cancel.run,
      step_id: 'approve',
      on_timeout: 'cancel',
      error: { Error: 'States.Timeout' },
    });
    expect(failure).toMatchObject({ Error: 'Cancelled' });
    expect(JSON.parse((failure as { Cause: string }).Cause)).toMatchObject({ status: 'timed_out' });

    const reject = requestInput({ on_timeout: 'reject' });
    await requestApproval(reject);
    const rejected = await handler({
      run: reject.run,
      step_id: 'approve',
      on_timeout: 'reject',
      error: { Error: 'States.Timeout' },
    });
    expect(rejected).toMatchObject({ Error: 'TimedOut' });
  });

  it('escalate and resume-gate check their input and report what they did', async () => {
    const escalateHandler = (await import('../../../functions/escalate/handler.ts')).handler;
    const resumeHandler = (await import('../../../functions/resume-gate/handler.ts')).handler;
    await expect(escalateHandler({ gate_id: 'nope', index: 0 })).rejects.toThrow('escalate expects');
    expect(await escalateHandler({ gate_id: 'g_000000000000000000000000', index: 0 })).toEqual({
      kind: 'skipped',
      gate_id: 'g_000000000000000000000000',
      index: 0,
    });
    expect(await resumeHandler({ gate_id: 'g_000000000000000000000000' })).toEqual({
      outcomes: [{ gate_id: 'g_000000000000000000000000', delivered: 0, stuck: false, engine: 'not_found' }],
    });
    await expect(resumeHandler({})).resolves.toEqual({ outcomes: [], cancelled: 0, github: [] });
  });

  it('resume-gate drains the gates named by stream records, once each, and reports none stuck', async () => {
    const requestApproval = (await import('../../../functions/request-approval/handler.ts')).handler;
    const resumeHandler = (await import('../../../functions/resume-gate/handler.ts')).handler;
    const input = requestInput({ required: 1 }, undefined, 'STREAM-SECRET-TOKEN');
    const { gate_id } = await requestApproval(input);
    const outcome = await castVote(
      { ...deps, voteEffects: 'outbox' },
      { gateId: gate_id, voter: 'alice@acme.com', decision: 'approve', channel: 'slack' },
    );
    expect(outcome).toMatchObject({ kind: 'counted', status: 'approved' });
    const sent = () =>
      sfn.requests.filter(
        (r) =>
          r.headers['x-amz-target'] === 'AWSStepFunctions.SendTaskSuccess' &&
          JSON.parse(r.body).taskToken === 'STREAM-SECRET-TOKEN',
      );
    expect(sent()).toHaveLength(0);

    const record = (sk: string, sequence: string) => ({
      eventID: sequence,
      eventName: 'MODIFY' as const,
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: { gate_id: { S: gate_id }, sk: { S: sk } },
        NewImage: { gate_id: { S: gate_id }, sk: { S: sk }, outbox_pending: { S: '1' } },
        SequenceNumber: sequence,
        StreamViewType: 'NEW_IMAGE' as const,
      },
    });
    const answer = await resumeHandler({
      Records: [record('gate', '100'), record('vote#alice@acme.com', '101'), record('gate', '102')],
    });
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(sent()).toHaveLength(1);
    const events = await deps.auditQuery.readRun(input.run.id);
    expect(events.filter((e) => e.action === 'approved')).toHaveLength(1);
    expect(stdout.join('')).not.toContain('STREAM-SECRET');
  });

  it('resume-gate reports a gate whose engine call keeps failing as a batch item failure; the retry finds it leased, and the sweep after the lease tells the engine', async () => {
    const requestApproval = (await import('../../../functions/request-approval/handler.ts')).handler;
    const resumeHandler = (await import('../../../functions/resume-gate/handler.ts')).handler;
    const input = requestInput({ required: 1 }, undefined, 'STUCK-SECRET-TOKEN');
    const { gate_id } = await requestApproval(input);
    await castVote(
      { ...deps, voteEffects: 'outbox' },
      { gateId: gate_id, voter: 'alice@acme.com', decision: 'approve', channel: 'slack' },
    );
    const records = {
      Records: [
        {
          eventName: 'MODIFY' as const,
          dynamodb: {
            Keys: { gate_id: { S: gate_id }, sk: { S: 'gate' } },
            NewImage: { gate_id: { S: gate_id }, notify_pending: { S: '1' } },
            SequenceNumber: '200',
          },
        },
      ],
    };
    // Every try of the drain is refused (not retried by the SDK, not a task that is gone).
    const denied = { status: 400, body: { __type: 'AccessDeniedException', message: 'denied' } };
    sfn.respond(denied, denied, denied);
    expect(await resumeHandler(records)).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    const sent = () =>
      sfn.requests.filter(
        (r) =>
          r.headers['x-amz-target'] === 'AWSStepFunctions.SendTaskSuccess' &&
          JSON.parse(r.body).taskToken === 'STUCK-SECRET-TOKEN',
      );
    expect(sent()).toHaveLength(DRAIN_ATTEMPTS);
    // Lambda's retry of the record: the failed drain's lease still stands, so nothing is called
    // (and nothing writes the gate, which the stream would deliver again).
    expect(await resumeHandler(records)).toEqual({ batchItemFailures: [] });
    expect(sent()).toHaveLength(DRAIN_ATTEMPTS);
    // The 5-minute sweep, once the lease has run out.
    const now = deps.now;
    deps.now = () => now() + ENGINE_CALL_LEASE_MS + 1000;
    try {
      await resumeHandler({});
    } finally {
      deps.now = now;
    }
    expect(sent()).toHaveLength(DRAIN_ATTEMPTS + 1);
    expect(stdout.join('')).not.toContain('STUCK-SECRET');
  });
});

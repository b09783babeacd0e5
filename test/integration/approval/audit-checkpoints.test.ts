import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuditLog } from '../../../functions/adapters/dynamodb-audit-log.ts';
import { DynamoDbRunStore } from '../../../functions/adapters/dynamodb-run-store.ts';
import { MemoryCheckpointArchive } from '../../../functions/adapters/memory-checkpoint-archive.ts';
import { verifyAuditTrail } from '../../../functions/core/audit/verify-audit-trail.ts';
import { writeAuditCheckpoint } from '../../../functions/core/audit/write-audit-checkpoint.ts';
import type { AuditEventInput, RunRecord } from '../../../functions/core/ports.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

/** A fresh audit log and run store on the same dynalite, each test with its own tables' worth of run ids. */
function stores() {
  const audit = new DynamoDbAuditLog(db.docClient, db.tableNames.audit);
  const runs = new DynamoDbRunStore(db.docClient, db.tableNames.runs);
  const checkpointArchive = new MemoryCheckpointArchive();
  return {
    audit,
    verifyDeps: { auditQuery: audit, runs, anchors: audit.anchors, checkpointArchive },
    checkpoint: () =>
      writeAuditCheckpoint({ anchors: audit.anchors, archive: checkpointArchive, now: Date.now }),
    runs,
  };
}

function event(runId: string, i: number): AuditEventInput {
  return {
    action: i === 0 ? 'run_started' : 'approved',
    actor: { email: 'jane@acme.com', name: 'Jane' },
    workflow: 'wf',
    run_id: runId,
    at: new Date(Date.UTC(2026, 11, 2, 10, 0, i)).toISOString(),
  };
}

function runRecord(id: string): RunRecord {
  return {
    id,
    workflow: 'wf',
    environment: 'production',
    production: true,
    trigger: { type: 'manual' },
    started_by: { email: 'jane@acme.com', name: 'Jane' },
    started_at: '2026-12-02T10:00:00.000Z',
    execution_arn: `arn:aws:states:us-east-1:000000000000:execution:signoff-wf:${id}`,
    status: 'RUNNING',
  };
}

async function deleteItems(runId: string, seqs?: number[]): Promise<void> {
  const { Items } = await db.docClient.send(
    new QueryCommand({
      TableName: db.tableNames.audit,
      KeyConditionExpression: 'run_id = :r',
      ExpressionAttributeValues: { ':r': runId },
    }),
  );
  for (const item of Items ?? []) {
    if (seqs && !seqs.includes(Number(item.seq))) continue;
    await db.docClient.send(
      new DeleteCommand({ TableName: db.tableNames.audit, Key: { run_id: runId, seq: item.seq } }),
    );
  }
}

describe('audit checkpoints on DynamoDB (dynalite)', () => {
  it('anchors every run exactly at its newest event while appends and checkpoint writers run concurrently', async () => {
    const { audit, checkpoint, verifyDeps } = stores();
    const runIds = Array.from({ length: 6 }, (_, r) => `conc-${r}`);
    const appends = runIds.flatMap((id) => Array.from({ length: 8 }, (_, i) => audit.append(event(id, i))));
    const writers = Array.from({ length: 6 }, async (_, w) => {
      await new Promise((resolve) => setTimeout(resolve, w * 15));
      return checkpoint();
    });
    const outcomes = await Promise.all([...writers, ...appends.map((p) => p.then(() => undefined))]);
    // Whatever the interleaving, one more checkpoint after the last append anchors every head.
    await checkpoint();
    const written = outcomes.flatMap((o) => o?.written ?? []);
    expect(new Set(written).size).toBe(written.length);
    const report = await verifyAuditTrail(verifyDeps);
    expect(report.checkpoints).toMatchObject({ ok: true, archive: true, problems: [] });
    const anchored = (await audit.anchors.readCheckpoints()).flatMap((c) => c.heads);
    for (const id of runIds) {
      expect(Math.max(...anchored.filter((h) => h.run_id === id).map((h) => h.seq))).toBe(8);
      expect(report.runs.find((r) => r.run_id === id)).toMatchObject({ ok: true, events: 8 });
    }
  });

  it("Delete a run's newest audit event together with its head record (seq 0): verify fails naming the run and seq", async () => {
    const { audit, checkpoint, verifyDeps, runs } = stores();
    await runs.create(runRecord('repro-newest'));
    for (let i = 0; i < 4; i++) await audit.append(event('repro-newest', i));
    await checkpoint();
    await deleteItems('repro-newest', [0, 4]);
    const report = await verifyAuditTrail(verifyDeps, 'repro-newest');
    expect(report.ok).toBe(false);
    expect(report.runs[0]?.problems).toEqual([
      {
        seq: 4,
        kind: 'missing',
        message: expect.stringMatching(
          /^event 4 is missing \(checkpoint \d+ recorded the trail up to event 4\)$/,
        ),
      },
    ]);
  });

  it('delete every audit item of a run (and its run record): verify fails naming the run and seqs', async () => {
    const { audit, checkpoint, verifyDeps, runs } = stores();
    await runs.create(runRecord('repro-whole'));
    for (let i = 0; i < 3; i++) await audit.append(event('repro-whole', i));
    await checkpoint();
    await deleteItems('repro-whole');
    await db.docClient.send(
      new DeleteCommand({ TableName: db.tableNames.runs, Key: { run_id: 'repro-whole' } }),
    );
    const all = await verifyAuditTrail(verifyDeps);
    expect(all.ok).toBe(false);
    expect(all.runs.find((r) => r.run_id === 'repro-whole')?.problems).toEqual([
      {
        seq: 1,
        kind: 'missing',
        message: expect.stringMatching(
          /^events 1 to 3 are missing: the run record and every audit event of the run were removed \(checkpoint \d+ recorded the trail up to event 3\)$/,
        ),
      },
    ]);
    expect((await verifyAuditTrail(verifyDeps, 'repro-whole')).runs[0]?.problems[0]?.kind).toBe('missing');
  });

  it('an unknown run is not found, not ok', async () => {
    const { verifyDeps, checkpoint, audit } = stores();
    await audit.append(event('known-run', 0));
    await checkpoint();
    const report = await verifyAuditTrail(verifyDeps, 'never-was-a-run');
    expect(report.ok).toBe(false);
    expect(report.runs[0]?.problems[0]?.kind).toBe('not_found');
  });

  it('keeps the head log and checkpoints out of every listing', async () => {
    const { audit, checkpoint } = stores();
    await audit.append(event('listed-run', 0));
    await checkpoint();
    const page = await audit.list({}, { limit: 500 });
    expect(page.events.every((e) => !e.run_id.startsWith('#'))).toBe(true);
  });
});

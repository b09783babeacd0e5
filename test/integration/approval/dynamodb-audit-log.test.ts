import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../../functions/adapters/audit-cursor.ts';
import { DynamoDbAuditLog } from '../../../functions/adapters/dynamodb-audit-log.ts';
import { verifyAuditChain } from '../../../functions/core/audit/audit-chain.ts';
import type { AuditEventInput } from '../../../functions/core/ports.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
let audit: DynamoDbAuditLog;
beforeAll(async () => {
  db = await startDynalite();
  audit = new DynamoDbAuditLog(db.docClient, db.tableNames.audit);
});
afterAll(async () => {
  await db?.stop();
});

function event(runId: string, i: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    action: 'approved',
    actor: { email: `p${i % 3}@acme.com`, name: `Person ${i % 3}` },
    workflow: 'wf-a',
    run_id: runId,
    at: new Date(Date.UTC(2026, 10, 25, 10, 0, i)).toISOString(),
    response_time_ms: i * 1000,
    plan_summary: { project: 'net', add: 1, change: 0, destroy: 0, replace: 0, hash: 'h' },
    ...overrides,
  };
}

describe('DynamoDbAuditLog.append', () => {
  it('keeps one linear chain when many events of a run are written at once', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => audit.append(event('run-burst', i))));
    const events = await audit.readRun('run-burst');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(verifyAuditChain(events)).toEqual({ ok: true, checked: 30, problems: [] });
    expect(Object.keys(events[0] ?? {})).not.toContain('sort_key');
  });

  it('appends a keyed event once, also when it is deep in a long trail or written by racing drainers', async () => {
    await audit.append(event('run-keyed', 0), 'vote#p0@acme.com');
    for (let i = 1; i < 40; i++) await audit.append(event('run-keyed', i));
    // The key is 40 events down: past the newest events read with the head.
    await Promise.all([
      audit.append(event('run-keyed', 0), 'vote#p0@acme.com'),
      audit.append(event('run-keyed', 0), 'vote#p0@acme.com'),
    ]);
    await Promise.all(
      Array.from({ length: 5 }, () => audit.append(event('run-keyed', 50), 'vote#p2@acme.com')),
    );
    const events = await audit.readRun('run-keyed');
    expect(events).toHaveLength(41);
    expect(events.filter((e) => e.at === event('run-keyed', 50).at)).toHaveLength(1);
    expect(verifyAuditChain(events).ok).toBe(true);
    // The key is bookkeeping, not part of the event or its hash.
    expect(Object.keys(events[0] ?? {})).not.toContain('event_key');
  });

  it('lets verification find an event edited and an event deleted in the table', async () => {
    for (let i = 0; i < 5; i++) await audit.append(event('run-tampered', i));
    await db.docClient.send(
      new UpdateCommand({
        TableName: db.tableNames.audit,
        Key: { run_id: 'run-tampered', seq: 2 },
        UpdateExpression: 'SET #c = :c',
        ExpressionAttributeNames: { '#c': 'comment' },
        ExpressionAttributeValues: { ':c': 'approved by someone else' },
      }),
    );
    await db.docClient.send(
      new DeleteCommand({ TableName: db.tableNames.audit, Key: { run_id: 'run-tampered', seq: 4 } }),
    );
    const report = verifyAuditChain(await audit.readRun('run-tampered'));
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => [p.kind, p.seq])).toEqual([
      ['edited', 2],
      ['missing', 4],
    ]);
  });
});

describe('DynamoDbAuditLog head record', () => {
  it('lets verification find the newest events deleted, which leave a shorter chain', async () => {
    for (let i = 0; i < 4; i++) await audit.append(event('run-cut', i));
    expect(await audit.readHead('run-cut')).toMatchObject({ seq: 4 });
    for (const seq of [3, 4]) {
      await db.docClient.send(
        new DeleteCommand({ TableName: db.tableNames.audit, Key: { run_id: 'run-cut', seq } }),
      );
    }
    const events = await audit.readRun('run-cut');
    expect(verifyAuditChain(events).ok).toBe(true);
    const report = verifyAuditChain(events, await audit.readHead('run-cut'));
    expect(report.problems.map((p) => [p.kind, p.seq])).toEqual([['missing', 3]]);
  });

  it('never shows the head record as an event', async () => {
    await audit.append(event('run-head-hidden', 1));
    expect((await audit.list({ run: 'run-head-hidden' })).events.map((e) => e.seq)).toEqual([1]);
    expect((await audit.readRun('run-head-hidden')).map((e) => e.seq)).toEqual([1]);
    expect((await audit.list({ workflow: 'wf-a' })).events.every((e) => e.seq > 0)).toBe(true);
  });
});

describe('DynamoDbAuditLog.list', () => {
  beforeAll(async () => {
    for (let i = 0; i < 7; i++) await audit.append(event('run-list-1', i, { workflow: 'wf-list' }));
    for (let i = 7; i < 12; i++) await audit.append(event('run-list-2', i, { workflow: 'wf-list' }));
    await audit.append(
      event('run-other', 99, { workflow: 'wf-other', actor: { email: 'P1@acme.com', name: 'P1' } }),
    );
  });

  async function all(filter: Parameters<DynamoDbAuditLog['list']>[0], limit: number) {
    const seen = [];
    let cursor: string | undefined;
    do {
      const page = await audit.list(filter, { limit, ...(cursor ? { cursor } : {}) });
      expect(page.events.length).toBeLessThanOrEqual(limit);
      seen.push(...page.events);
      cursor = page.cursor;
    } while (cursor);
    return seen;
  }

  it('lists a workflow newest first across pages, each event once', async () => {
    const events = await all({ workflow: 'wf-list' }, 5);
    expect(events).toHaveLength(12);
    const times = events.map((e) => e.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(new Set(events.map((e) => `${e.run_id}/${e.seq}`)).size).toBe(12);
  });

  it('lists by actor, case-insensitively, and by run', async () => {
    const byActor = await all({ actor: 'p1@ACME.com' }, 2);
    expect(byActor.every((e) => e.actor.email.toLowerCase() === 'p1@acme.com')).toBe(true);
    expect(byActor.map((e) => e.run_id)).toContain('run-other');
    const byRun = await all({ run: 'run-list-2' }, 2);
    expect(byRun.map((e) => e.seq)).toEqual([5, 4, 3, 2, 1]);
  });

  it('combines filters: a workflow and an actor', async () => {
    const events = await all({ workflow: 'wf-list', actor: 'p0@acme.com' }, 3);
    expect(events.map((e) => e.response_time_ms)).toEqual([9000, 6000, 3000, 0]);
  });

  it('refuses a cursor it did not hand out', async () => {
    const page = await audit.list({ workflow: 'wf-list' }, { limit: 2 });
    await expect(audit.list({ actor: 'p0@acme.com' }, { cursor: page.cursor as string })).rejects.toThrow(
      InvalidCursorError,
    );
    await expect(audit.list({}, { cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
  });
});

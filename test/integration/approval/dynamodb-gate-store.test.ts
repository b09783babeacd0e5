import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGateStore, GATE_SK } from '../../../functions/adapters/dynamodb-gate-store.ts';
import { createTables } from '../../../functions/adapters/tables.ts';
import { buildGate } from '../../../functions/core/approval/request-approval.ts';
import { DIRECTORY, requestInput, T0 } from '../../support/approval-fixtures.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
let store: DynamoDbGateStore;
beforeAll(async () => {
  db = await startDynalite();
  store = new DynamoDbGateStore(db.docClient, db.tableNames.gates);
});
afterAll(async () => {
  await db?.stop();
});

const newGate = () => buildGate({ directory: DIRECTORY, now: () => T0 }, requestInput());

describe('DynamoDbGateStore', () => {
  it('stores the task token but never reads it back with the gate', async () => {
    const gate = newGate();
    expect(await store.create(gate, 'TOKEN-xyz')).toBe(true);
    expect(await store.create(gate, 'TOKEN-other')).toBe(false);
    const raw = await db.docClient.send(
      new GetCommand({ TableName: db.tableNames.gates, Key: { gate_id: gate.gate_id, sk: GATE_SK } }),
    );
    expect(raw.Item?.task_token).toBe('TOKEN-xyz');
    const reads = [
      await store.get(gate.gate_id),
      await store.listByRun(gate.run.id),
      await store.listByStatus('pending'),
    ];
    expect(JSON.stringify(reads)).not.toContain('TOKEN-');
    expect(await store.get(gate.gate_id)).toEqual(gate);
    expect(await store.getTaskToken(gate.gate_id)).toBe('TOKEN-xyz');
  });

  it('lists closed gates owed an engine call until they are marked notified', async () => {
    const gate = newGate();
    await store.create(gate, 't');
    const close = {
      status: 'rejected' as const,
      closed_at: '2026-11-25T10:05:00.000Z',
      closed_by: { email: 'a', name: 'A' },
    };
    expect(await store.close(gate.gate_id, { ...close, engine_notified: false })).toBe(true);
    expect(await store.close(gate.gate_id, { ...close, engine_notified: false })).toBe(false);
    expect((await store.listUnnotified()).map((g) => g.gate_id)).toContain(gate.gate_id);
    await store.markEngineNotified(gate.gate_id, 'sent');
    expect((await store.listUnnotified()).map((g) => g.gate_id)).not.toContain(gate.gate_id);
    expect(await store.get(gate.gate_id)).toMatchObject({
      status: 'rejected',
      engine_notified: true,
      engine_result: 'sent',
    });
  });

  it('grants the recovery lease to one caller at a time', async () => {
    const gate = newGate();
    await store.create(gate, 't');
    await store.close(gate.gate_id, {
      status: 'approved',
      closed_at: '2026-11-25T10:05:00.000Z',
      closed_by: { email: 'a', name: 'A' },
      engine_notified: false,
    });
    const claims = await Promise.all([1, 2, 3].map(() => store.claimEngineCall(gate.gate_id, T0, 1000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.claimEngineCall(gate.gate_id, T0 + 1001, 1000)).toBe(true);
  });
});

describe('createTables', () => {
  it('is idempotent', async () => {
    await expect(createTables(db.client, db.tableNames)).resolves.toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSlackMessageStore } from '../../../functions/adapters/slack-message-store.ts';
import { requestApproval } from '../../../functions/core/approval/request-approval.ts';
import { createDynamoDeps, requestInput } from '../../support/approval-fixtures.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

describe('DynamoDbSlackMessageStore', () => {
  it('keeps one message per channel beside the gate, invisible to gate and vote reads', async () => {
    const deps = createDynamoDeps(db);
    const { gate } = await requestApproval(deps, requestInput());
    const store = new DynamoDbSlackMessageStore(db.docClient, db.tableNames.gates);
    await store.add(gate.gate_id, { channel: 'C0DEPLOYS', ts: '1.000001' });
    await store.add(gate.gate_id, { channel: 'D0ALICE', ts: '1.000002' });
    await store.add(gate.gate_id, { channel: 'C0DEPLOYS', ts: '1.000003' });
    expect(await store.list(gate.gate_id)).toEqual([
      { channel: 'C0DEPLOYS', ts: '1.000003' },
      { channel: 'D0ALICE', ts: '1.000002' },
    ]);
    expect(await store.list('g_ffffffffffffffffffffffff')).toEqual([]);
    expect(await deps.gates.listByRun(gate.run.id)).toHaveLength(1);
    expect(await deps.gates.listByStatus('pending')).toHaveLength(1);
    expect(await deps.votes.list(gate.gate_id)).toEqual([]);
    expect((await deps.gates.get(gate.gate_id))?.status).toBe('pending');
  });
});

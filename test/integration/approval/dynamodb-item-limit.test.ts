import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGateStore } from '../../../functions/adapters/dynamodb-gate-store.ts';
import { buildGate } from '../../../functions/core/approval/request-approval.ts';
import { parseCheckov } from '../../../functions/core/plan/checkov.ts';
import { summarizePolicyResults } from '../../../functions/core/plan/policy-results.ts';
import { DIRECTORY, requestInput, T0 } from '../../support/approval-fixtures.ts';
import { checkovReport } from '../../support/checkov-report.ts';
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

const resources = Array.from({ length: 5000 }, (_, i) => `local_file.f${i}`);
const results = parseCheckov(checkovReport(2250, resources));
// DynamoDB counts attribute names and values, not JSON punctuation: 2,250 results come to about
// 382 KB of item there (436 KB of JSON), 3,000 to about 510 KB.
const more = parseCheckov(checkovReport(3000, resources));

function gateWith(policy: ReturnType<typeof summarizePolicyResults>, runId: string) {
  const input = requestInput({}, { ...requestInput().run, id: runId });
  input.data.policy = policy;
  return buildGate({ directory: DIRECTORY, now: () => T0 }, input);
}

describe('the gates table under DynamoDB’s 400 KB item limit', () => {
  // dynalite enforces the limit itself (maxItemSizeKb, default 400), as DynamoDB does: "The maximum
  // item size in DynamoDB is 400 KB" (DynamoDB developer guide, "Quotas": item size), refused with
  // ValidationException "Item size has exceeded the maximum allowed size".
  it('refuses a gate item over 400 KB: one carrying every one of 3,000 Checkov results', async () => {
    const untrimmed = { ...summarizePolicyResults(more), results: more };
    const gate = gateWith(untrimmed, 'run-untrimmed');
    await expect(store.create(gate, 'token')).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/Item size has exceeded the maximum allowed size/),
    });
  });

  it('stores a gate for 2,250 Checkov results with the policy summary as the run carries it', async () => {
    const gate = gateWith(
      summarizePolicyResults(results, 'runs/run-trimmed/plan/policy.json'),
      'run-trimmed',
    );
    expect(await store.create(gate, 'token')).toBe(true);
    expect((await store.get(gate.gate_id))?.data.policy).toMatchObject({
      passed: 2250,
      failed: 0,
      results: [],
    });
  });
});

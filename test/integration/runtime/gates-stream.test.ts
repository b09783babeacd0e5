/**
 * The stand-in for the gates table's stream and resume-gate's event source mapping delivers what
 * AWS would and no more: one record per write of a gate's item, only when its new image owes
 * something, in batches of 10, retried 3 times and then dropped for the sweep.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GATE_SK } from '../../../functions/adapters/dynamodb-gate-store.ts';
import { createDocumentClient } from '../../../functions/aws-clients.ts';
import { type GatesStream, gatesWritten, startGatesStream } from '../../../local/gates-stream.ts';
import { RecordingLog } from '../../support/approval-fixtures.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
let stream: GatesStream;
/** The writer the stream watches (a fresh client per test) and one it does not. */
let writer: DynamoDBDocumentClient;
let unwatched: DynamoDBDocumentClient;
let delivered: DynamoDBStreamEvent[];
let answer: (event: DynamoDBStreamEvent) => unknown;
let log: RecordingLog;

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});
beforeEach(async () => {
  await stream?.stop();
  delivered = [];
  answer = () => ({ batchItemFailures: [] });
  log = new RecordingLog();
  const client = () =>
    new DynamoDBClient({
      endpoint: db.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  const watched = client();
  writer = createDocumentClient(watched);
  unwatched = createDocumentClient(client());
  stream = startGatesStream({
    table: db.tableNames.gates,
    doc: db.docClient,
    deliver: async (event) => {
      delivered.push(event);
      return answer(event);
    },
    log,
    pollIntervalMs: 0,
  });
  stream.watch(watched);
});

let next = 0;
function gateId(): string {
  next += 1;
  return `g_${String(next).padStart(24, '0')}`;
}

/** Writes a gate item as a vote does, owing its outbox or not. */
async function writeGate(id: string, owes: boolean): Promise<void> {
  await writer.send(
    new PutCommand({
      TableName: db.tableNames.gates,
      Item: { gate_id: id, sk: GATE_SK, status: 'pending', ...(owes ? { outbox_pending: '1' } : {}) },
    }),
  );
}

const gatesIn = (event: DynamoDBStreamEvent | undefined) =>
  event?.Records.map((r) => r.dynamodb?.Keys?.gate_id?.S) ?? [];

const drainStream = () => stream.settled();

describe('the gates stream stand-in', () => {
  it('delivers a write of a gate that owes something, once', async () => {
    const id = gateId();
    await writeGate(id, true);
    await drainStream();
    await stream.poll();
    expect(delivered.map(gatesIn)).toEqual([[id]]);
  });

  it('delivers nothing for a gate that owes nothing, or for an item that is not a gate', async () => {
    const id = gateId();
    await writeGate(id, false);
    await writer.send(
      new PutCommand({
        TableName: db.tableNames.gates,
        Item: { gate_id: id, sk: 'vote#alice@acme.com', outbox_pending: '1' },
      }),
    );
    await drainStream();
    expect(delivered).toEqual([]);
  });

  it('delivers nothing for a gate that owes but is not written again, however often it polls', async () => {
    const id = gateId();
    // Written by a client the stream does not watch: as if before the stream started (LATEST).
    await unwatched.send(
      new PutCommand({
        TableName: db.tableNames.gates,
        Item: { gate_id: id, sk: GATE_SK, outbox_pending: '1' },
      }),
    );
    for (let i = 0; i < 5; i++) await stream.poll();
    expect(delivered).toEqual([]);
    // A later write of it is a change: delivered.
    await writer.send(
      new UpdateCommand({
        TableName: db.tableNames.gates,
        Key: { gate_id: id, sk: GATE_SK },
        UpdateExpression: 'SET notify_pending = :one',
        ExpressionAttributeValues: { ':one': '1' },
      }),
    );
    await drainStream();
    expect(delivered.map(gatesIn)).toEqual([[id]]);
  });

  it('delivers in batches of at most 10, in the order written', async () => {
    const ids = Array.from({ length: 12 }, gateId);
    for (const id of ids) await writeGate(id, true);
    await drainStream();
    expect(delivered.map(gatesIn)).toEqual([ids.slice(0, 10), ids.slice(10)]);
  });

  it('retries a failed record 3 times from where it failed, then drops it for the sweep', async () => {
    const [first, stuck] = [gateId(), gateId()];
    await writeGate(first, true);
    await writeGate(stuck, true);
    answer = (event) => ({
      batchItemFailures: event.Records.filter((r) => r.dynamodb?.Keys?.gate_id?.S === stuck).map((r) => ({
        itemIdentifier: r.dynamodb?.SequenceNumber ?? '',
      })),
    });
    await drainStream();
    expect(delivered.map(gatesIn)).toEqual([[first, stuck], [stuck], [stuck], [stuck]]);
    expect(stream.pending()).toBe(0);
    expect(log.lines.map((l) => l.message)).toContain(
      'gates stream records discarded after their retries; the sweep will find what they owed',
    );
    await stream.poll();
    expect(delivered).toHaveLength(4);
  });

  it('splits a batch whose invocation throws, retrying each half', async () => {
    const ids = Array.from({ length: 4 }, gateId);
    for (const id of ids) await writeGate(id, true);
    let calls = 0;
    answer = () => {
      calls += 1;
      if (calls === 1) throw new Error('function error');
      return { batchItemFailures: [] };
    };
    await drainStream();
    expect(delivered.map(gatesIn)).toEqual([ids, ids.slice(0, 2), ids.slice(2)]);
  });
});

describe('gatesWritten', () => {
  it('finds the gates a transaction writes, and only in the gates table', () => {
    const key = (id: string, sk = GATE_SK) => ({ gate_id: { S: id }, sk: { S: sk } });
    expect(
      gatesWritten(
        'TransactWriteItemsCommand',
        {
          TransactItems: [
            { Put: { TableName: 'gates', Item: key('g_1', 'vote#a') } },
            { Update: { TableName: 'gates', Key: key('g_1') } },
            { Update: { TableName: 'audit', Key: key('g_2') } },
          ],
        },
        'gates',
      ),
    ).toEqual(['g_1']);
  });
});

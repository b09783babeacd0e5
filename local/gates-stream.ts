/**
 * The gates table's stream and resume-gate's event source mapping, for where there is no stream:
 * the local runtime (dynalite keeps none) and the AWS contract suite (moto keeps one but invokes
 * nothing). It is never kinder than AWS:
 * - a record follows each successful write of a gate's item, and nothing else does: a gate that
 *   owes something but is not written again gets no new record, however long it waits
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html). Writes are
 *   caught by a middleware on every DynamoDB client that writes gates (`watch`);
 * - only a record whose new image carries an owing marker is delivered (the mapping's filters,
 *   https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html). The image is read
 *   when the record is taken, which may be later than the write, as a later write's own record
 *   would carry it;
 * - in batches of at most 10, one batch at a time (one shard), polled 4 times a second;
 * - a batch that reports failures is retried from the first failed record, a batch whose
 *   invocation throws is split in two (BisectBatchOnFunctionError), and after 3 retries the
 *   records are discarded: what they owed waits for the sweep
 *   (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { GATE_SK } from '../functions/adapters/dynamodb-gate-store.ts';
import type { LogPort } from '../functions/core/ports.ts';
import { GATES_STREAM_MAPPING, OWES, OWING_MARKERS } from '../infra/gates-stream.ts';

/** What the stream needs. */
export interface GatesStreamOptions {
  /** The gates table's name. */
  table: string;
  /** Reads the gates' new images (any client: reads are not recorded). */
  doc: DynamoDBDocumentClient;
  /** Invokes resume-gate with a batch, as Lambda does. */
  deliver(event: DynamoDBStreamEvent): Promise<unknown>;
  log: LogPort;
  /** Poll period (default Lambda's 250 ms; 0 polls only when `poll` is called). */
  pollIntervalMs?: number;
}

/** A running stream. */
export interface GatesStream {
  /** Records every later write to a gate's item made through this client. */
  watch(client: DynamoDBClient): void;
  /** Takes and delivers one batch now, if any record waits (tests; the timer does it otherwise). */
  poll(): Promise<void>;
  /** Records not yet delivered or discarded. */
  pending(): number;
  /** Delivers (or discards) every record there is, including those the deliveries write. */
  settled(): Promise<void>;
  /**
   * Delivers nothing until the returned function is called, then goes on in order (tests): a
   * stream's records reach Lambda "in near-real time", with no bound (DynamoDB Developer Guide,
   * "Change data capture for DynamoDB Streams"), so a writer may finish before its record arrives.
   */
  hold(): () => void;
  /** Stops polling and waits for a batch in flight. */
  stop(): Promise<void>;
}

/** One stream record as the emulator keeps it. */
interface StreamRecord {
  sequence: number;
  gateId: string;
}

/** A batch taken from the stream, with the retries it has had. */
interface Batch {
  records: StreamRecord[];
  retries: number;
}

type Key = Record<string, unknown> | undefined;

/** A key attribute's string, marshalled (`{ S }`) or not (the document client's input). */
function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
}

/** The gate ids a write command's input touches in `table` (only gate items, not votes or messages). */
export function gatesWritten(commandName: string, input: Record<string, unknown>, table: string): string[] {
  const keys: Key[] = [];
  const add = (tableName: unknown, key: Key) => {
    if (tableName === table) keys.push(key);
  };
  const single = input as { TableName?: string; Key?: Key; Item?: Key };
  switch (commandName) {
    case 'PutItemCommand':
      add(single.TableName, single.Item);
      break;
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      add(single.TableName, single.Key);
      break;
    case 'TransactWriteItemsCommand':
      for (const item of (input.TransactItems ?? []) as Record<
        string,
        { TableName?: string; Key?: Key; Item?: Key }
      >[]) {
        const write = item.Put ?? item.Update ?? item.Delete;
        if (write) add(write.TableName, write.Item ?? write.Key);
      }
      break;
    case 'BatchWriteItemCommand':
      for (const request of (
        (input.RequestItems ?? {}) as Record<string, Record<string, { Item?: Key; Key?: Key }>[]>
      )[table] ?? [])
        add(table, request.PutRequest?.Item ?? request.DeleteRequest?.Key);
      break;
  }
  return keys.flatMap((key) => {
    const gateId = stringOf(key?.gate_id);
    return gateId && stringOf(key?.sk) === GATE_SK ? [gateId] : [];
  });
}

/** Starts the stream; it records writes only from the clients given to `watch`. */
export function startGatesStream(options: GatesStreamOptions): GatesStream {
  const { batchSize, retryAttempts } = GATES_STREAM_MAPPING;
  const queue: StreamRecord[] = [];
  const retrying: Batch[] = [];
  let sequence = 0;
  let inFlight: Promise<void> | undefined;

  const owes = async (gateId: string): Promise<boolean> => {
    const { Item } = await options.doc.send(
      new GetCommand({
        TableName: options.table,
        Key: { gate_id: gateId, sk: GATE_SK },
        ConsistentRead: true,
      }),
    );
    return OWING_MARKERS.some((marker) => Item?.[marker] === OWES);
  };

  /** The next batch: a batch being retried first, else up to 10 new records that pass the filters. */
  const take = async (): Promise<Batch | undefined> => {
    const retry = retrying.shift();
    if (retry) return retry;
    const taken = queue.splice(0, batchSize);
    const images = new Map<string, boolean>();
    for (const record of taken) {
      if (!images.has(record.gateId)) images.set(record.gateId, await owes(record.gateId));
    }
    const records = taken.filter((record) => images.get(record.gateId));
    return records.length > 0 ? { records, retries: 0 } : undefined;
  };

  const eventOf = (records: StreamRecord[]): DynamoDBStreamEvent => ({
    Records: records.map(
      (record): DynamoDBRecord => ({
        eventID: String(record.sequence),
        eventName: 'MODIFY',
        eventSource: 'aws:dynamodb',
        dynamodb: {
          Keys: { gate_id: { S: record.gateId }, sk: { S: GATE_SK } },
          SequenceNumber: String(record.sequence),
          StreamViewType: 'NEW_IMAGE',
        },
      }),
    ),
  });

  /** Queues what must be tried again, or discards it once its retries are spent. */
  const retryOrDiscard = (batch: Batch, records: StreamRecord[][]) => {
    if (batch.retries >= retryAttempts) {
      options.log.warn(
        'gates stream records discarded after their retries; the sweep will find what they owed',
        {
          gate_ids: [...new Set(records.flat().map((r) => r.gateId))],
        },
      );
      return;
    }
    retrying.unshift(...records.map((part) => ({ records: part, retries: batch.retries + 1 })));
  };

  let held = false;

  const deliverOne = async (): Promise<void> => {
    if (held) return;
    const batch = await take();
    if (!batch) return;
    let response: unknown;
    try {
      response = await options.deliver(eventOf(batch.records));
    } catch {
      const half = Math.ceil(batch.records.length / 2);
      const halves =
        batch.records.length > 1
          ? [batch.records.slice(0, half), batch.records.slice(half)]
          : [batch.records];
      retryOrDiscard(batch, halves);
      return;
    }
    const failures = (response as DynamoDBBatchResponse | undefined)?.batchItemFailures ?? [];
    if (failures.length === 0) return;
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    const from = batch.records.findIndex((record) => failed.has(String(record.sequence)));
    // An identifier that names no record of the batch fails the whole batch, as in Lambda.
    retryOrDiscard(batch, [batch.records.slice(Math.max(from, 0))]);
  };

  const poll = (): Promise<void> => {
    inFlight ??= deliverOne()
      .catch((error: unknown) =>
        options.log.error('gates stream poll failed', {
          error: error instanceof Error ? error.name : typeof error,
        }),
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  const period = options.pollIntervalMs ?? GATES_STREAM_MAPPING.pollIntervalMs;
  const timer = period > 0 ? setInterval(() => void poll(), period) : undefined;
  timer?.unref();

  return {
    watch(client) {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          const commandName = (context as { commandName?: string }).commandName ?? '';
          for (const gateId of gatesWritten(
            commandName,
            args.input as Record<string, unknown>,
            options.table,
          )) {
            sequence += 1;
            queue.push({ sequence, gateId });
          }
          return result;
        },
        { step: 'serialize', name: 'signoffGatesStream', tags: ['LOCAL_STREAM'] },
      );
    },
    poll,
    pending: () => queue.length + retrying.reduce((n, batch) => n + batch.records.length, 0),
    async settled() {
      if (held) throw new Error('the gates stream is held: release it before waiting for it to settle');
      while (queue.length > 0 || retrying.length > 0 || inFlight) await (inFlight ?? poll());
    },
    hold() {
      held = true;
      return () => {
        held = false;
      };
    },
    async stop() {
      if (timer) clearInterval(timer);
      await inFlight;
    },
  };
}

/**
 * The audit trail on DynamoDB, written with PutItem only. Events are keyed by (run, seq) and
 * put with `attribute_not_exists`, so concurrent writers of one run can never fork its hash
 * chain: the loser re-reads the head and links after the winner.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { chainAuditEvent } from '../core/audit/audit-chain.ts';
import type {
  AuditEvent,
  AuditEventInput,
  AuditFilter,
  AuditHead,
  AuditLog,
  AuditPage,
  AuditQuery,
  Clock,
} from '../core/ports.ts';
import { decodeCursor, encodeCursor } from './audit-cursor.ts';
import { DynamoDbAuditAnchors } from './dynamodb-audit-anchors.ts';
import { queryAll } from './dynamodb-query.ts';
import { TABLES } from './tables.ts';

/** Attributes stored only for the indexes and for idempotent appends; not part of the event nor its hash. */
const INDEX_ATTRIBUTES = ['actor_email', 'sort_key', 'stream', 'event_key'] as const;
const MAX_APPEND_ATTEMPTS = 100;
/** Events read with the head on every append: most runs' whole trail, so a keyed append needs no second query. */
const RECENT_EVENTS = 25;

/** A run's newest events, newest first, with their idempotency keys; `all` when that is the whole trail. */
interface Recent {
  events: AuditEvent[];
  keys: Set<string>;
  all: boolean;
}
/** The seq of each run's head record; events start at 1. */
const HEAD_SEQ = 0;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/** AuditLog and AuditQuery backed by the audit table; `anchors` are its head log and checkpoints. */
export class DynamoDbAuditLog implements AuditLog, AuditQuery {
  readonly anchors: DynamoDbAuditAnchors;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    now: Clock = Date.now,
  ) {
    this.anchors = new DynamoDbAuditAnchors(doc, tableName, now);
  }

  async append(input: AuditEventInput, key?: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const recent = await this.recent(input.run_id);
      // Exactly once per key: the head is read before the check, and the put below only lands on
      // the seq after that head. A writer of the same key that landed earlier took a seq at or
      // below the head, so the check sees it; one landing later must take a seq above ours, so
      // its own check sees ours.
      if (key !== undefined && (await this.hasKey(input.run_id, key, recent))) return;
      const event = chainAuditEvent(input, recent.events[0]);
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...toItem(event), ...(key !== undefined ? { event_key: key } : {}) },
            ConditionExpression: 'attribute_not_exists(run_id)',
          }),
        );
        // Both after the event, side by side: an append still waits for two round trips, as before the head log.
        await Promise.all([this.recordHead(event), this.anchors.logHead(event)]);
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Another writer took this seq; spread the retries so a burst does not collide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
      }
    }
    throw new Error(`audit append for run ${input.run_id} kept colliding; gave up`);
  }

  async list(filter: AuditFilter, page: { limit?: number; cursor?: string } = {}): Promise<AuditPage> {
    const limit = Math.min(Math.max(1, page.limit ?? DEFAULT_PAGE), MAX_PAGE);
    const plan = queryPlan(filter);
    const keyNames = [
      TABLES.audit.partitionKey.name,
      TABLES.audit.sortKey.name,
      ...(plan.index ? [plan.partition, 'sort_key'] : []),
    ];
    let start = page.cursor ? decodeCursor(page.cursor, plan.index ?? 'run', keyNames) : undefined;
    const events: AuditEvent[] = [];
    do {
      // Limit is applied before the filter, so ask for what is still missing and never overshoot.
      const result = await this.doc.send(
        new QueryCommand({
          ...plan.input,
          TableName: this.tableName,
          Limit: limit - events.length,
          ExclusiveStartKey: start,
        }),
      );
      events.push(...(result.Items ?? []).map(toEvent));
      start = result.LastEvaluatedKey;
    } while (start && events.length < limit);
    return start ? { events, cursor: encodeCursor(plan.index ?? 'run', start) } : { events };
  }

  async readRun(runId: string): Promise<AuditEvent[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'run_id = :r AND seq > :anchor',
      ExpressionAttributeValues: { ':r': runId, ':anchor': HEAD_SEQ },
      ConsistentRead: true,
    });
    return items.map(toEvent);
  }

  async readHead(runId: string): Promise<AuditHead | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { run_id: runId, seq: HEAD_SEQ },
        ConsistentRead: true,
      }),
    );
    return Item ? { seq: Number(Item.head_seq), hash: String(Item.head_hash) } : undefined;
  }

  /**
   * Records the run's newest event at seq 0 (PutItem, only ever moving forward). It carries no
   * index attributes, so no listing shows it; a writer that dies before this leaves the head one
   * behind, which verification accepts.
   */
  private async recordHead(event: AuditEvent): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { run_id: event.run_id, seq: HEAD_SEQ, head_seq: event.seq, head_hash: event.hash },
          ConditionExpression: 'attribute_not_exists(run_id) OR head_seq < :seq',
          ExpressionAttributeValues: { ':seq': event.seq },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Whether the run already has an event appended under `key`: among the newest, else in the whole trail. */
  private async hasKey(runId: string, key: string, recent: Recent): Promise<boolean> {
    if (recent.keys.has(key)) return true;
    if (recent.all) return false;
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'run_id = :r AND seq > :anchor',
      FilterExpression: 'event_key = :key',
      ExpressionAttributeValues: { ':r': runId, ':anchor': HEAD_SEQ, ':key': key },
      ProjectionExpression: 'seq',
      ConsistentRead: true,
    });
    return items.length > 0;
  }

  /** The run's newest events (the head first) and their idempotency keys, in one query. */
  private async recent(runId: string): Promise<Recent> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'run_id = :r AND seq > :anchor',
        ExpressionAttributeValues: { ':r': runId, ':anchor': HEAD_SEQ },
        ScanIndexForward: false,
        Limit: RECENT_EVENTS,
        ConsistentRead: true,
      }),
    );
    const keys = new Set(
      Items.flatMap((item) => (typeof item.event_key === 'string' ? [item.event_key] : [])),
    );
    return { events: Items.map(toEvent), keys, all: Items.length < RECENT_EVENTS };
  }
}

/** Picks the narrowest key (run, then workflow, then actor, else everything) and filters on the rest. */
function queryPlan(filter: AuditFilter): {
  index?: string;
  partition: string;
  input: Omit<QueryCommandInput, 'TableName'>;
} {
  const conditions: { attribute: string; value: string }[] = [];
  if (filter.run !== undefined) conditions.push({ attribute: 'run_id', value: filter.run });
  if (filter.workflow !== undefined) conditions.push({ attribute: 'workflow', value: filter.workflow });
  if (filter.actor !== undefined)
    conditions.push({ attribute: 'actor_email', value: filter.actor.toLowerCase() });
  const [key = { attribute: 'stream', value: 'all' }, ...equal] = conditions;
  if (filter.action !== undefined) equal.push({ attribute: 'action', value: filter.action });
  const rest = equal.map((c, i) => ({ ...c, test: `#f${i} = :f${i}` }));
  const index =
    key.attribute === 'run_id'
      ? undefined
      : { workflow: 'by_workflow', actor_email: 'by_actor', stream: 'by_time' }[key.attribute];
  const names: Record<string, string> = { '#k': key.attribute };
  const values: Record<string, unknown> = { ':k': key.value };
  // On the table itself a run's partition also holds its head record (seq 0): skip it.
  if (!index) values[':anchor'] = HEAD_SEQ;
  rest.forEach((c, i) => {
    names[`#f${i}`] = c.attribute;
    values[`:f${i}`] = c.value;
  });
  // The indexes sort by `<at>#<run>#<seq>`, so a time range narrows the key itself: `sort_key >=
  // from` takes in an event at `from`, and `sort_key < to` leaves out one at `to` ("to#..." > "to").
  // The table sorts by seq, so there the range filters on `at`.
  let range = '';
  if (filter.from !== undefined || filter.to !== undefined) {
    const attribute = index ? 'sort_key' : 'at';
    names['#t'] = attribute;
    if (filter.from !== undefined) values[':from'] = filter.from;
    if (filter.to !== undefined) values[':to'] = filter.to;
    range =
      filter.from !== undefined && filter.to !== undefined
        ? index
          ? '#t BETWEEN :from AND :to'
          : '#t >= :from AND #t < :to'
        : filter.from !== undefined
          ? '#t >= :from'
          : '#t < :to';
  }
  const keyCondition = index ? `#k = :k${range ? ` AND ${range}` : ''}` : '#k = :k AND seq > :anchor';
  const filters = [...rest.map((c) => c.test), ...(range && !index ? [range] : [])];
  return {
    ...(index ? { index } : {}),
    partition: key.attribute,
    input: {
      ...(index ? { IndexName: index } : {}),
      KeyConditionExpression: keyCondition,
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
  };
}

function toItem(event: AuditEvent): Record<string, unknown> {
  return {
    ...event,
    actor_email: event.actor.email.toLowerCase(),
    sort_key: `${event.at}#${event.run_id}#${String(event.seq).padStart(10, '0')}`,
    stream: 'all',
  };
}

function toEvent(item: Record<string, unknown>): AuditEvent {
  const event = { ...item };
  for (const attribute of INDEX_ATTRIBUTES) delete event[attribute];
  return event as unknown as AuditEvent;
}

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
import { chainAuditEvent } from '../core/audit-chain.ts';
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

/** Attributes stored only for the indexes; not part of the event nor its hash. */
const INDEX_ATTRIBUTES = ['actor_email', 'sort_key', 'stream'] as const;
const MAX_APPEND_ATTEMPTS = 100;
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

  async append(input: AuditEventInput): Promise<void> {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const event = chainAuditEvent(input, await this.head(input.run_id));
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(event),
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

  private async head(runId: string): Promise<AuditEvent | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'run_id = :r AND seq > :anchor',
        ExpressionAttributeValues: { ':r': runId, ':anchor': HEAD_SEQ },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = Items?.[0];
    return item ? toEvent(item) : undefined;
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
  const [key = { attribute: 'stream', value: 'all' }, ...rest] = conditions;
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
  return {
    ...(index ? { index } : {}),
    partition: key.attribute,
    input: {
      ...(index ? { IndexName: index } : {}),
      KeyConditionExpression: index ? '#k = :k' : '#k = :k AND seq > :anchor',
      ...(rest.length > 0 ? { FilterExpression: rest.map((_, i) => `#f${i} = :f${i}`).join(' AND ') } : {}),
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

/**
 * GateStore on DynamoDB: one item per gate (sk `gate`), every change a single conditional write.
 * Reads name the gate's fields explicitly, so the task token is never even fetched by them.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type {
  ApprovalEntry,
  Approver,
  DeliveryFailure,
  EngineResult,
  Gate,
  GateClose,
  GateStatus,
  GateStore,
  OutboxEntry,
} from '../core/ports.ts';

/** The sort key of a gate's own item (its votes sit beside it). */
export const GATE_SK = 'gate';

/** Every field of `Gate`; reads project exactly these. */
const GATE_FIELDS = [
  'gate_id',
  'run',
  'step_id',
  'workflow',
  'config',
  'approvers',
  'unresolved',
  'escalations',
  'required',
  'requested_at',
  'deadline',
  'requester',
  'data',
  'status',
  'approved_by',
  'rules',
  'auto_approved',
  'closed_at',
  'closed_by',
  'close_comment',
  'close_channel',
  'engine_notified',
  'engine_result',
  'delivery_failures',
  'delivery_failures_dropped',
  'freeze_notice',
] as const satisfies readonly (keyof Gate)[];

const PROJECTION = {
  ProjectionExpression: GATE_FIELDS.map((_, i) => `#p${i}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(GATE_FIELDS.map((f, i) => [`#p${i}`, f])),
};

/** GateStore backed by the gates table. */
export class DynamoDbGateStore implements GateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(gate: Gate, taskToken: string): Promise<boolean> {
    return this.conditional(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...gate, sk: GATE_SK, run_id: gate.run.id, task_token: taskToken },
          ConditionExpression: 'attribute_not_exists(gate_id)',
        }),
      ),
    );
  }

  async replaceTaskToken(gateId: string, taskToken: string, deadline: string): Promise<Gate | undefined> {
    const pending = await this.update({
      Key: this.key(gateId),
      UpdateExpression: 'SET task_token = :t, deadline = :d',
      ConditionExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':t': taskToken, ':d': deadline, ':pending': 'pending' },
    });
    if (!pending) {
      // Closed already: the new task still needs the outcome, so the engine call is owed again.
      const closed = await this.update({
        Key: this.key(gateId),
        UpdateExpression:
          'SET task_token = :t, engine_notified = :f, notify_pending = :one REMOVE engine_result, lease_until',
        ConditionExpression: 'attribute_exists(gate_id)',
        ExpressionAttributeValues: { ':t': taskToken, ':f': false, ':one': '1' },
      });
      if (!closed) return undefined;
    }
    return this.get(gateId);
  }

  async get(gateId: string): Promise<Gate | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: this.key(gateId),
        ConsistentRead: true,
        ...PROJECTION,
      }),
    );
    return Item ? toGate(Item) : undefined;
  }

  async getTaskToken(gateId: string): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: this.key(gateId),
        ConsistentRead: true,
        ProjectionExpression: 'task_token',
      }),
    );
    return typeof Item?.task_token === 'string' ? Item.task_token : undefined;
  }

  async listByRun(runId: string): Promise<Gate[]> {
    return this.queryIndex('by_run', 'run_id', runId, 100);
  }

  async listByStatus(status: GateStatus, limit = 100): Promise<Gate[]> {
    return this.queryIndex('by_status', 'status', status, limit);
  }

  async listUnnotified(limit = 100): Promise<Gate[]> {
    return this.queryIndex('unnotified', 'notify_pending', '1', limit);
  }

  async addApproval(
    gateId: string,
    entry: ApprovalEntry,
    expectedCount: number,
    close?: GateClose,
    owed: OutboxEntry[] = [],
  ): Promise<boolean> {
    const closing = close ? closeExpression(close) : undefined;
    const outbox = outboxExpression(owed);
    const set = ['approved_by = list_append(approved_by, :entry)', closing?.set, outbox?.set];
    return this.update({
      Key: this.key(gateId),
      UpdateExpression: `SET ${set.filter(Boolean).join(', ')}`,
      ConditionExpression: '#status = :pending AND size(approved_by) = :count',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':entry': [entry],
        ':count': expectedCount,
        ':pending': 'pending',
        ...closing?.values,
        ...outbox?.values,
      },
    });
  }

  async close(gateId: string, close: GateClose, owed: OutboxEntry[] = []): Promise<boolean> {
    const closing = closeExpression(close);
    const outbox = outboxExpression(owed);
    return this.update({
      Key: this.key(gateId),
      UpdateExpression: `SET ${closing.set}${outbox ? `, ${outbox.set}` : ''}`,
      ConditionExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pending': 'pending', ...closing.values, ...outbox?.values },
    });
  }

  async readOutbox(gateId: string): Promise<{ gate: Gate; outbox: OutboxEntry[] } | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: this.key(gateId),
        ConsistentRead: true,
        ProjectionExpression: `${PROJECTION.ProjectionExpression}, outbox`,
        ExpressionAttributeNames: PROJECTION.ExpressionAttributeNames,
      }),
    );
    return Item ? withOutbox(Item) : undefined;
  }

  async removeOutboxEntry(
    gateId: string,
    id: string,
  ): Promise<{ gate: Gate; outbox: OutboxEntry[] } | undefined> {
    // The last entry also clears the sparse index key; otherwise only the entry goes. Each try is
    // one conditional write on the entry's id, so two drainers never remove two entries for one.
    const names = { '#outbox': 'outbox', '#id': 'id' };
    const values = { ':id': id, ':one': 1 };
    const tries = [
      { remove: 'REMOVE #outbox[0], outbox_pending', size: 'size(#outbox) = :one' },
      { remove: 'REMOVE #outbox[0]', size: 'size(#outbox) > :one' },
    ];
    for (const { remove, size } of tries) {
      try {
        const { Attributes } = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(gateId),
            UpdateExpression: remove,
            ConditionExpression: `#outbox[0].#id = :id AND ${size}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            // The item as the removal left it saves the drainer a read; toGate drops the token.
            ReturnValues: 'ALL_NEW',
          }),
        );
        if (Attributes) return withOutbox(Attributes);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return undefined;
  }

  async addToOutbox(gateId: string, owed: OutboxEntry[]): Promise<boolean> {
    const outbox = outboxExpression(owed);
    if (!outbox) return true;
    return this.update({
      Key: this.key(gateId),
      UpdateExpression: `SET ${outbox.set}`,
      ConditionExpression: 'attribute_exists(gate_id)',
      ExpressionAttributeValues: outbox.values,
    });
  }

  async listOwing(limit = 100): Promise<string[]> {
    const owing = new Set<string>();
    for (const [index, attribute] of [
      ['outbox', 'outbox_pending'],
      ['unnotified', 'notify_pending'],
    ] as const) {
      if (owing.size >= limit) break;
      const items = await this.queryIndexItems(index, attribute, '1', limit, {
        ProjectionExpression: '#id',
        ExpressionAttributeNames: { '#id': 'gate_id' },
      });
      for (const item of items) owing.add(String(item.gate_id));
    }
    return [...owing].slice(0, limit);
  }

  async listWithOutbox(limit = 100): Promise<Gate[]> {
    return this.queryIndex('outbox', 'outbox_pending', '1', limit);
  }

  async addEscalation(gateId: string, index: number, at: string, people: Approver[]): Promise<boolean> {
    return this.update({
      Key: this.key(gateId),
      UpdateExpression: 'SET escalations.#level = :level',
      ConditionExpression: '#status = :pending AND attribute_not_exists(escalations.#level)',
      ExpressionAttributeNames: { '#status': 'status', '#level': String(index) },
      ExpressionAttributeValues: { ':level': { at, people }, ':pending': 'pending' },
    });
  }

  async claimEngineCall(gateId: string, now: number, leaseMs: number): Promise<boolean> {
    return this.update({
      Key: this.key(gateId),
      UpdateExpression: 'SET lease_until = :until',
      ConditionExpression:
        '#status <> :pending AND engine_notified = :f AND (attribute_not_exists(lease_until) OR lease_until < :now)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now, ':f': false, ':pending': 'pending' },
    });
  }

  async markEngineNotified(gateId: string, result: EngineResult): Promise<void> {
    await this.update({
      Key: this.key(gateId),
      UpdateExpression: 'SET engine_notified = :t, engine_result = :r REMOVE notify_pending, lease_until',
      ConditionExpression: 'engine_notified = :f',
      ExpressionAttributeValues: { ':t': true, ':f': false, ':r': result },
    });
  }

  async addDeliveryFailures(gateId: string, failures: DeliveryFailure[], keep: number): Promise<boolean> {
    const kept = failures.slice(0, keep);
    const appended =
      kept.length > 0 &&
      (await this.update({
        Key: this.key(gateId),
        UpdateExpression:
          'SET delivery_failures = list_append(if_not_exists(delivery_failures, :none), :new)',
        // One write, bounded: it fits whole or is refused (then the failures are only counted).
        ConditionExpression:
          'attribute_exists(gate_id) AND (attribute_not_exists(delivery_failures) OR size(delivery_failures) <= :room)',
        ExpressionAttributeValues: { ':none': [], ':new': kept, ':room': keep - kept.length },
      }));
    const dropped = appended ? failures.length - kept.length : failures.length;
    if (dropped === 0) return true;
    return this.update({
      Key: this.key(gateId),
      UpdateExpression: 'ADD delivery_failures_dropped :n',
      ConditionExpression: 'attribute_exists(gate_id)',
      ExpressionAttributeValues: { ':n': dropped },
    });
  }

  private key(gateId: string) {
    return { gate_id: gateId, sk: GATE_SK };
  }

  private async queryIndex(index: string, attribute: string, value: string, limit: number): Promise<Gate[]> {
    return (await this.queryIndexItems(index, attribute, value, limit, PROJECTION)).map(toGate);
  }

  /** Up to `limit` items of a sparse index whose key `attribute` equals `value`, page after page. */
  private async queryIndexItems(
    index: string,
    attribute: string,
    value: string,
    limit: number,
    projection: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> },
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index,
          KeyConditionExpression: '#k = :v',
          ProjectionExpression: projection.ProjectionExpression,
          ExpressionAttributeNames: { ...projection.ExpressionAttributeNames, '#k': attribute },
          ExpressionAttributeValues: { ':v': value },
          Limit: limit - items.length,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items;
  }

  /** Runs a conditional update; false when its condition did not hold. */
  private update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    return this.conditional(() => this.doc.send(new UpdateCommand({ TableName: this.tableName, ...input })));
  }

  private async conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** The SET clause and values that close a gate (and flag it for recovery until the engine is told). */
function closeExpression(close: GateClose): { set: string; values: Record<string, unknown> } {
  const set = [
    '#status = :status',
    'closed_at = :closed_at',
    'closed_by = :closed_by',
    'engine_notified = :notified',
  ];
  const values: Record<string, unknown> = {
    ':status': close.status,
    ':closed_at': close.closed_at,
    ':closed_by': close.closed_by,
    ':notified': close.engine_notified,
  };
  if (close.engine_notified) {
    set.push('engine_result = :not_needed');
    values[':not_needed'] = 'not_needed';
  } else {
    set.push('notify_pending = :one');
    values[':one'] = '1';
  }
  if (close.comment !== undefined) {
    set.push('close_comment = :comment');
    values[':comment'] = close.comment;
  }
  if (close.channel !== undefined) {
    set.push('close_channel = :channel');
    values[':channel'] = close.channel;
  }
  if (close.engine_lease_until !== undefined) {
    set.push('lease_until = :lease');
    values[':lease'] = close.engine_lease_until;
  }
  return { set: set.join(', '), values };
}

/** The SET clauses and values that append owed work to the gate's outbox (and index the gate for the sweep). */
function outboxExpression(owed: OutboxEntry[]): { set: string; values: Record<string, unknown> } | undefined {
  if (owed.length === 0) return undefined;
  return {
    set: 'outbox = list_append(if_not_exists(outbox, :no_outbox), :owed), outbox_pending = :owes',
    values: { ':no_outbox': [], ':owed': owed, ':owes': '1' },
  };
}

/** The gate and the outbox of an item (never its task token). */
function withOutbox(item: Record<string, unknown>): { gate: Gate; outbox: OutboxEntry[] } {
  return { gate: toGate(item), outbox: Array.isArray(item.outbox) ? (item.outbox as OutboxEntry[]) : [] };
}

/** The gate fields of an item, nothing else (in particular never `task_token`). */
function toGate(item: Record<string, unknown>): Gate {
  const gate: Record<string, unknown> = {};
  for (const field of GATE_FIELDS) if (item[field] !== undefined) gate[field] = item[field];
  return gate as unknown as Gate;
}

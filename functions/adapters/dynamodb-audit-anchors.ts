/**
 * The audit trail's anchors in the audit table, beside the runs' events and with PutItem only:
 * the head log (partition `#heads`, one item per append, keyed by write time) and the
 * checkpoints (partition `#checkpoints`, keyed by number). Run ids never contain `#`, and these
 * items carry no index attributes, so no run's trail and no listing shows them.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditCheckpoint, headLogKey } from '../core/audit/audit-checkpoint.ts';
import type { AuditAnchors, AuditEvent, Clock, HeadLogEntry, StoredCheckpoint } from '../core/ports.ts';
import { queryAll } from './dynamodb-query.ts';

/** Partition of the head log. */
export const HEAD_LOG_PARTITION = '#heads';
/** Partition of the checkpoints. */
export const CHECKPOINT_PARTITION = '#checkpoints';
const MAX_KEY_ATTEMPTS = 5;

/** AuditAnchors backed by the audit table. */
export class DynamoDbAuditAnchors implements AuditAnchors {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: Clock = Date.now,
  ) {}

  /** Adds the event as its run's head to the head log; a key taken in the same millisecond is retried with another. */
  async logHead(event: AuditEvent): Promise<void> {
    for (let attempt = 0; attempt < MAX_KEY_ATTEMPTS; attempt++) {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              run_id: HEAD_LOG_PARTITION,
              seq: headLogKey(this.now()),
              head_run: event.run_id,
              head_seq: event.seq,
              head_hash: event.hash,
            },
            ConditionExpression: 'attribute_not_exists(run_id)',
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new Error(`audit head log for run ${event.run_id} kept colliding; gave up`);
  }

  async readHeadLog(sinceKey: number): Promise<HeadLogEntry[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'run_id = :p AND seq > :since',
      ExpressionAttributeValues: { ':p': HEAD_LOG_PARTITION, ':since': sinceKey },
      ConsistentRead: true,
    });
    return items.map((i) => ({
      key: Number(i.seq),
      run_id: String(i.head_run),
      seq: Number(i.head_seq),
      hash: String(i.head_hash),
    }));
  }

  async readCheckpoints(): Promise<StoredCheckpoint[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'run_id = :p',
      ExpressionAttributeValues: { ':p': CHECKPOINT_PARTITION },
      ConsistentRead: true,
    });
    return items.map(toCheckpoint);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'run_id = :p',
        ExpressionAttributeValues: { ':p': CHECKPOINT_PARTITION },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = Items?.[0];
    return item ? toCheckpoint(item) : undefined;
  }

  async putCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(checkpoint),
          ConditionExpression: 'attribute_not_exists(run_id)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async markArchived(checkpoint: AuditCheckpoint): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...toItem(checkpoint), archived: true },
          // Only over the very checkpoint that was archived, never recreating a removed one.
          ConditionExpression: '#h = :h',
          ExpressionAttributeNames: { '#h': 'hash' },
          ExpressionAttributeValues: { ':h': checkpoint.hash },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function toItem(checkpoint: AuditCheckpoint): Record<string, unknown> {
  const { n, ...rest } = checkpoint;
  return { run_id: CHECKPOINT_PARTITION, seq: n, ...rest };
}

function toCheckpoint(item: Record<string, unknown>): StoredCheckpoint {
  const heads = (item.heads as { run_id: string; seq: number; hash: string }[] | undefined) ?? [];
  return {
    n: Number(item.seq),
    prev_hash: String(item.prev_hash),
    at: String(item.at),
    through: Number(item.through),
    heads: heads.map((h) => ({ run_id: String(h.run_id), seq: Number(h.seq), hash: String(h.hash) })),
    hash: String(item.hash),
    ...(item.archived === true ? { archived: true } : {}),
  };
}

/**
 * RunStore on DynamoDB: one item per run, created with `attribute_not_exists` so a redelivered
 * trigger cannot start a second run, and finished with `status = RUNNING` as the condition.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RunEnd, RunRecord, RunStore } from '../core/ports.ts';
import { decodeCursor, encodeCursor } from './audit-cursor.ts';

const STREAM = 'runs';
const MAX_LIMIT = 100;

/** RunStore backed by the runs table. */
export class DynamoDbRunStore implements RunStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(run: RunRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...run, run_id: run.id, stream: STREAM },
          ConditionExpression: 'attribute_not_exists(run_id)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { run_id: runId } }));
    return Item ? toRecord(Item) : undefined;
  }

  async list(filter: { workflow?: string }, page: { limit?: number; cursor?: string } = {}) {
    const index = filter.workflow ? 'by_workflow' : 'by_time';
    const partition = filter.workflow ? 'workflow' : 'stream';
    const keyNames = ['run_id', partition, 'started_at'];
    const { Items, LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': partition },
        ExpressionAttributeValues: { ':p': filter.workflow ?? STREAM },
        ScanIndexForward: false,
        Limit: Math.min(Math.max(page.limit ?? 25, 1), MAX_LIMIT),
        ExclusiveStartKey: page.cursor ? decodeCursor(page.cursor, index, keyNames) : undefined,
      }),
    );
    return {
      runs: (Items ?? []).map(toRecord),
      cursor: LastEvaluatedKey ? encodeCursor(index, LastEvaluatedKey) : undefined,
    };
  }

  async finish(runId: string, end: RunEnd): Promise<boolean> {
    const values: Record<string, unknown> = { ':s': end.status, ':t': end.stopped_at, ':running': 'RUNNING' };
    let update = 'SET #status = :s, stopped_at = :t';
    if (end.error !== undefined) {
      update += ', #error = :e';
      values[':e'] = end.error;
    }
    if (end.cause !== undefined) {
      update += ', #cause = :c';
      values[':c'] = end.cause;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { run_id: runId },
          UpdateExpression: update,
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(end.error !== undefined ? { '#error': 'error' } : {}),
            ...(end.cause !== undefined ? { '#cause': 'cause' } : {}),
          },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  async pinCommit(runId: string, commit: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { run_id: runId },
          UpdateExpression: 'SET #source.#commit = :commit',
          // Only a repository source without a commit yet: the first resolved commit stays.
          ConditionExpression: '#source.#type = :repository AND attribute_not_exists(#source.#commit)',
          ExpressionAttributeNames: { '#source': 'source', '#commit': 'commit', '#type': 'type' },
          ExpressionAttributeValues: { ':commit': commit, ':repository': 'repository' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  async markNoChanges(runId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { run_id: runId },
          UpdateExpression: 'SET no_changes = :yes',
          // Never creates an item: a run that is not recorded stays unrecorded.
          ConditionExpression: 'attribute_exists(run_id)',
          ExpressionAttributeValues: { ':yes': true },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function toRecord(item: Record<string, unknown>): RunRecord {
  const { run_id: _runId, stream: _stream, ...rest } = item;
  return rest as unknown as RunRecord;
}

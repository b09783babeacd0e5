/**
 * LockStore on DynamoDB: one item per project in the runs table, keyed `lock#<project>` (a `#`
 * can never be in a run id: Step Functions execution names exclude it, StartExecution API
 * Reference, "name"). Lock items carry none of the runs table's index keys, so they never show in
 * the run lists. Every change is one UpdateItem conditioned on the item's `version` (acquire,
 * take-over) or on its holder (release).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LockHolder, LockStore, ProjectLock } from '../core/ports.ts';

/** The runs-table key of a project's lock item. */
export function lockKey(project: string): string {
  return `lock#${project}`;
}

/** LockStore backed by lock items in the runs table. */
export class DynamoDbLockStore implements LockStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(project: string): Promise<ProjectLock | undefined> {
    const { Item } = await this.doc.send(
      // Strongly consistent: a waiting run must see a release the moment it is written.
      new GetCommand({ TableName: this.table, Key: { run_id: lockKey(project) }, ConsistentRead: true }),
    );
    return Item ? toLock(Item) : undefined;
  }

  async acquire(
    project: string,
    holder: LockHolder,
    expected: number,
    _now: string,
  ): Promise<ProjectLock | undefined> {
    const lock: ProjectLock = { project, version: expected + 1, holder };
    const written = await this.conditional({
      TableName: this.table,
      Key: { run_id: lockKey(project) },
      UpdateExpression:
        'SET #project = :p, #version = :next, holder_run = :r, holder_workflow = :w, acquired_at = :a, expires_at = :e REMOVE released_at',
      ConditionExpression: expected === 0 ? 'attribute_not_exists(run_id)' : '#version = :v',
      // Names throughout: some words are reserved in expressions (Developer Guide, "Reserved words").
      ExpressionAttributeNames: { '#project': 'project', '#version': 'version' },
      ExpressionAttributeValues: {
        ':p': project,
        ':next': expected + 1,
        ':r': holder.run_id,
        ':w': holder.workflow,
        ':a': holder.acquired_at,
        ':e': holder.expires_at,
        ...(expected === 0 ? {} : { ':v': expected }),
      },
    });
    return written ? lock : undefined;
  }

  async release(
    project: string,
    runId: string,
    now: string,
    options: { force?: boolean } = {},
  ): Promise<ProjectLock | undefined> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { run_id: lockKey(project) },
          UpdateExpression:
            'SET #version = #version + :one, released_at = :t REMOVE holder_run, holder_workflow, acquired_at, expires_at, held_for_admin',
          ConditionExpression: options.force
            ? 'holder_run = :r'
            : 'holder_run = :r AND attribute_not_exists(held_for_admin)',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':one': 1, ':t': now, ':r': runId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? toLock(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async hold(project: string, runId: string, reason: string): Promise<boolean> {
    return this.conditional({
      TableName: this.table,
      Key: { run_id: lockKey(project) },
      // A new version: an acquirer that read the lock before the hold cannot take it over.
      UpdateExpression: 'SET held_for_admin = :why, #version = #version + :one',
      ConditionExpression: 'holder_run = :r',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':why': reason, ':one': 1, ':r': runId },
    });
  }

  async renew(project: string, runId: string, expiresAt: string): Promise<boolean> {
    return this.conditional({
      TableName: this.table,
      Key: { run_id: lockKey(project) },
      // ISO-8601 times in UTC compare as strings. A later lease only: never shortens one.
      UpdateExpression: 'SET expires_at = :e',
      ConditionExpression: 'holder_run = :r AND expires_at < :e',
      ExpressionAttributeValues: { ':e': expiresAt, ':r': runId },
    });
  }

  private async conditional(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toLock(item: Record<string, unknown>): ProjectLock {
  const lock: ProjectLock = { project: String(item.project), version: Number(item.version) };
  if (typeof item.holder_run === 'string') {
    lock.holder = {
      run_id: item.holder_run,
      workflow: String(item.holder_workflow),
      acquired_at: String(item.acquired_at),
      expires_at: String(item.expires_at),
      ...(typeof item.held_for_admin === 'string' ? { held_for_admin: item.held_for_admin } : {}),
    };
  }
  if (typeof item.released_at === 'string') lock.released_at = item.released_at;
  return lock;
}

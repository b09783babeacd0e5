/**
 * IdentityStore on the auth table. Each record is one item, `identity#<lower-case email>` (an
 * email is not a secret, so it is not hashed). All records share `email = identity#all` so the
 * table's `by_user` index lists them with one query, without an index of their own.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IdentityRecord, IdentityStore, RecordOutcome } from '../core/auth/identity-store.ts';
import { queryAll } from './dynamodb-query.ts';

const KIND = 'identity';
/** The `by_user` partition every identity record is in. */
const ALL = 'identity#all';

function keyOf(email: string): string {
  return `identity#${email.toLowerCase()}`;
}

/** The record an item holds (the table's own attributes dropped). */
function recordOf(item: Record<string, unknown>): IdentityRecord {
  const { key: _key, kind: _kind, email: _all, created_at: _created, person, ...rest } = item;
  return { ...(rest as Omit<IdentityRecord, 'email'>), email: person as string };
}

/** IdentityStore backed by DynamoDB. */
export class DynamoDbIdentityStore implements IdentityStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(email: string): Promise<IdentityRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { key: keyOf(email) }, ConsistentRead: true }),
    );
    return Item?.kind === KIND ? recordOf(Item) : undefined;
  }

  async list(): Promise<IdentityRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'by_user',
      KeyConditionExpression: '#email = :all',
      ExpressionAttributeNames: { '#email': 'email' },
      ExpressionAttributeValues: { ':all': ALL },
    });
    return items.filter((i) => i.kind === KIND).map(recordOf);
  }

  async recordSignin(record: IdentityRecord): Promise<RecordOutcome> {
    const person = record.email.toLowerCase();
    try {
      // A put, not an update: a sign-in replaces the whole record, which also clears `revoked_at`.
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...record,
            key: keyOf(person),
            kind: KIND,
            email: ALL,
            created_at: record.signed_in_at,
            person,
          },
          ConditionExpression:
            'attribute_not_exists(#key) OR attribute_exists(revoked_at) OR (#iss = :iss AND #sub = :sub AND signed_in_at < :at)',
          ExpressionAttributeNames: { '#key': 'key', '#iss': 'iss', '#sub': 'sub' },
          ExpressionAttributeValues: { ':iss': record.iss, ':sub': record.sub, ':at': record.signed_in_at },
        }),
      );
      return 'stored';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = await this.get(person);
      return stored && stored.iss === record.iss && stored.sub === record.sub ? 'older' : 'conflict';
    }
  }

  async revoke(email: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { key: keyOf(email) },
          UpdateExpression: 'SET revoked_at = :at',
          ConditionExpression: '#kind = :kind',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: { ':at': at, ':kind': KIND },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

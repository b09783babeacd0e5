/**
 * AuthStore on the auth table: a put with `attribute_not_exists(key)` is what makes a sign-in
 * link single-use; reads are strongly consistent so a just-created session is seen at once.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthRecord, AuthStore } from '../core/auth/auth-store.ts';
import { queryAll } from './dynamodb-query.ts';

/** AuthStore backed by DynamoDB. */
export class DynamoDbAuthStore implements AuthStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putIfAbsent(record: AuthRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: record,
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': 'key' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(key: string): Promise<AuthRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { key }, ConsistentRead: true }),
    );
    return Item as AuthRecord | undefined;
  }

  async take(key: string): Promise<AuthRecord | undefined> {
    try {
      const { Attributes } = await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { key },
          ConditionExpression: 'attribute_exists(#key)',
          ExpressionAttributeNames: { '#key': 'key' },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes as AuthRecord | undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { key } }));
  }

  /** A query of the `by_user` index (eventually consistent: a session made a moment ago may be missed). */
  async listByUser(email: string): Promise<AuthRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'by_user',
      KeyConditionExpression: '#email = :email',
      ExpressionAttributeNames: { '#email': 'email' },
      ExpressionAttributeValues: { ':email': email.toLowerCase() },
    });
    return items as unknown as AuthRecord[];
  }
}

import type { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { queryAll } from '../../../functions/adapters/dynamodb-query.ts';

describe('queryAll', () => {
  it('follows LastEvaluatedKey through every page and keeps the query input', async () => {
    const pages = [
      { Items: [{ n: 1 }, { n: 2 }], LastEvaluatedKey: { k: 'a' } },
      { Items: [], LastEvaluatedKey: { k: 'b' } },
      { Items: [{ n: 3 }] },
    ];
    const sent: QueryCommand['input'][] = [];
    const doc = {
      send: async (command: QueryCommand) => {
        sent.push(command.input);
        return pages[sent.length - 1];
      },
    } as unknown as DynamoDBDocumentClient;
    const items = await queryAll(doc, { TableName: 't', KeyConditionExpression: 'k = :k' });
    expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(sent.map((input) => input.ExclusiveStartKey)).toEqual([undefined, { k: 'a' }, { k: 'b' }]);
    expect(sent.every((input) => input.TableName === 't' && input.KeyConditionExpression === 'k = :k')).toBe(
      true,
    );
  });
});

/**
 * VoteStore on the gates table: one item per (gate, voter email), sk `vote#<email>`, written
 * put-if-absent so a person's first vote is the one kept whatever the channel.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Vote, VoteStore } from '../core/ports.ts';
import { queryAll } from './dynamodb-query.ts';

const VOTE_PREFIX = 'vote#';

/** VoteStore backed by the gates table. */
export class DynamoDbVoteStore implements VoteStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(vote: Vote): Promise<{ stored: boolean; vote: Vote }> {
    const key = { gate_id: vote.gate_id, sk: `${VOTE_PREFIX}${vote.email.toLowerCase()}` };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...vote, ...key },
          ConditionExpression: 'attribute_not_exists(gate_id)',
        }),
      );
      return { stored: true, vote };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    if (!Item) throw new Error(`vote of ${vote.email} on ${vote.gate_id} exists but could not be read`);
    return { stored: false, vote: toVote(Item) };
  }

  async list(gateId: string): Promise<Vote[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'gate_id = :g AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':g': gateId, ':prefix': VOTE_PREFIX },
      ConsistentRead: true,
    });
    return items.map(toVote);
  }
}

function toVote(item: Record<string, unknown>): Vote {
  const { sk: _sk, ...vote } = item;
  return vote as unknown as Vote;
}

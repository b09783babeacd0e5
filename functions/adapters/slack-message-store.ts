/**
 * Where the Slack messages of a gate were posted (channel + ts), so they can be updated in place.
 * On DynamoDB they are extra items in the gate's partition of the gates table (sk `slack#<channel>`),
 * with none of the attributes the table's indexes use, so gate and vote reads never see them.
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './dynamodb-query.ts';

/** One posted message of a gate. */
export interface SlackMessageRef {
  /** The channel id Slack returned (C..., D... for a direct message). */
  channel: string;
  ts: string;
}

/** The messages posted about each gate; one per channel, the latest post wins. */
export interface SlackMessageStore {
  add(gateId: string, ref: SlackMessageRef): Promise<void>;
  list(gateId: string): Promise<SlackMessageRef[]>;
}

/** The sort key prefix of a gate's Slack message items. */
export const SLACK_MESSAGE_SK_PREFIX = 'slack#';

/** SlackMessageStore on the gates table. */
export class DynamoDbSlackMessageStore implements SlackMessageStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(gateId: string, ref: SlackMessageRef): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          gate_id: gateId,
          sk: `${SLACK_MESSAGE_SK_PREFIX}${ref.channel}`,
          slack_channel: ref.channel,
          slack_ts: ref.ts,
        },
      }),
    );
  }

  async list(gateId: string): Promise<SlackMessageRef[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'gate_id = :g AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':g': gateId, ':prefix': SLACK_MESSAGE_SK_PREFIX },
      ProjectionExpression: 'slack_channel, slack_ts',
      ConsistentRead: true,
    });
    return items.map((item) => ({ channel: String(item.slack_channel), ts: String(item.slack_ts) }));
  }
}

/** SlackMessageStore in memory (unit tests). */
export class MemorySlackMessageStore implements SlackMessageStore {
  private readonly byGate = new Map<string, Map<string, string>>();

  async add(gateId: string, ref: SlackMessageRef): Promise<void> {
    const messages = this.byGate.get(gateId) ?? new Map<string, string>();
    messages.set(ref.channel, ref.ts);
    this.byGate.set(gateId, messages);
  }

  async list(gateId: string): Promise<SlackMessageRef[]> {
    return [...(this.byGate.get(gateId) ?? new Map<string, string>())].map(([channel, ts]) => ({
      channel,
      ts,
    }));
  }
}

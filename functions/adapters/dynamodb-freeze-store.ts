/**
 * FreezeStore on DynamoDB: every ad-hoc freeze in one item of the runs table, keyed `freeze#adhoc`
 * (a `#` is never in a run id, see dynamodb-lock-store.ts). Each change is a PutItem conditioned
 * on the version it read, so two admins never overwrite each other; a lost race reads again.
 * Freezes ended more than 30 days ago are dropped on the next write (the audit trail keeps them),
 * which keeps the item far below DynamoDB's 400 KB item limit (Developer Guide, "Service, account,
 * and table quotas").
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type AdhocFreeze, endOf, inEffectOrToCome } from '../core/freeze/freeze-windows.ts';
import type { FreezeStore } from '../core/ports.ts';

const KEY = { run_id: 'freeze#adhoc' };
const KEEP_ENDED_MS = 30 * 86_400_000;
const ATTEMPTS = 5;

export class DynamoDbFreezeStore implements FreezeStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<AdhocFreeze[]> {
    return (await this.read()).freezes;
  }

  async add(freeze: AdhocFreeze): Promise<void> {
    await this.change((freezes) => {
      if (freezes.some((f) => f.id === freeze.id)) throw new Error(`freeze ${freeze.id} exists already`);
      return { freezes: [...freezes, freeze], result: undefined };
    });
  }

  async end(id: string, endedAt: string, endedBy: string): Promise<AdhocFreeze | undefined> {
    return this.change((freezes) => {
      const found = freezes.find((f) => f.id === id && inEffectOrToCome(f, endedAt));
      if (!found) return { freezes: undefined, result: undefined };
      const ended = { ...found, ended_at: endedAt, ended_by: endedBy };
      return { freezes: freezes.map((f) => (f.id === id ? ended : f)), result: ended };
    });
  }

  /** Reads, changes and writes back on the version read; tries again when another write came first. */
  private async change<T>(
    apply: (freezes: AdhocFreeze[]) => { freezes: AdhocFreeze[] | undefined; result: T },
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { version, freezes } = await this.read();
      const { freezes: next, result } = apply(freezes);
      if (!next) return result;
      const cutoff = new Date(this.now() - KEEP_ENDED_MS).toISOString();
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              ...KEY,
              version: version + 1,
              freezes: next.filter((f) => (endOf(f) ?? cutoff) >= cutoff),
            },
            ConditionExpression: version === 0 ? 'attribute_not_exists(run_id)' : '#version = :v',
            ...(version === 0
              ? {}
              : {
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':v': version },
                }),
          }),
        );
        return result;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt === ATTEMPTS) throw error;
      }
    }
  }

  private async read(): Promise<{ version: number; freezes: AdhocFreeze[] }> {
    const { Item } = await this.doc.send(
      // Strongly consistent: a freeze an admin just started holds the next apply back.
      new GetCommand({ TableName: this.table, Key: KEY, ConsistentRead: true }),
    );
    return {
      version: Number(Item?.version ?? 0),
      freezes: (Item?.freezes as AdhocFreeze[] | undefined) ?? [],
    };
  }
}

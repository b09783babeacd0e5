/**
 * GitHubReportStore on DynamoDB: one item per reporting run in the runs table, keyed
 * `github#<run id>` (a `#` never appears in a run id, so it can be no run's). An owed report also
 * sits in the runs table's `by_time` index under its own partition (`stream = github_owed`),
 * sorted by when it may be retried, which is how the sweep finds it; the item leaves the index
 * when the report goes through.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ReportStage } from '../core/github/github-report.ts';
import type {
  GitHubReport,
  GitHubReportFailure,
  GitHubReportStore,
} from '../core/github/github-report-store.ts';

const OWED = 'github_owed';
const MAX_LIMIT = 100;

function reportKey(runId: string): { run_id: string } {
  return { run_id: `github#${runId}` };
}

/** GitHubReportStore backed by the runs table. */
export class DynamoDbGitHubReportStore implements GitHubReportStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(runId: string): Promise<GitHubReport | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: reportKey(runId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { stage, check_run_id, comment_id, failure } = Item as Partial<GitHubReport>;
    return {
      run_id: runId,
      stage: stage ?? 'planning',
      ...(check_run_id !== undefined ? { check_run_id } : {}),
      ...(comment_id !== undefined ? { comment_id } : {}),
      ...(failure ? { failure } : {}),
    };
  }

  async setStage(runId: string, stage: ReportStage): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: reportKey(runId),
        UpdateExpression: 'SET stage = :stage',
        ExpressionAttributeValues: { ':stage': stage },
      }),
    );
  }

  async claimId(runId: string, field: 'check_run_id' | 'comment_id', id: number): Promise<number> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: reportKey(runId),
          UpdateExpression: 'SET #f = :id',
          ConditionExpression: 'attribute_not_exists(#f)',
          ExpressionAttributeNames: { '#f': field },
          ExpressionAttributeValues: { ':id': id },
        }),
      );
      return id;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const recorded = (await this.get(runId))?.[field];
      if (recorded === undefined) throw error;
      return recorded;
    }
  }

  async recordFailure(runId: string, failure: GitHubReportFailure): Promise<void> {
    // Given up: kept for the run page, out of the sweep's index.
    const update = failure.given_up_at
      ? { UpdateExpression: 'SET failure = :failure REMOVE #stream, started_at', values: {} }
      : {
          UpdateExpression: 'SET failure = :failure, #stream = :owed, started_at = :retry',
          values: { ':owed': OWED, ':retry': failure.retry_at },
        };
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: reportKey(runId),
        UpdateExpression: update.UpdateExpression,
        ExpressionAttributeNames: { '#stream': 'stream' },
        ExpressionAttributeValues: { ':failure': failure, ...update.values },
      }),
    );
  }

  async clearFailure(runId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: reportKey(runId),
        UpdateExpression: 'REMOVE failure, #stream, started_at',
        ExpressionAttributeNames: { '#stream': 'stream' },
      }),
    );
  }

  async listOwed(now: string, limit = MAX_LIMIT): Promise<string[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'by_time',
        KeyConditionExpression: '#stream = :owed AND started_at <= :now',
        ExpressionAttributeNames: { '#stream': 'stream' },
        ExpressionAttributeValues: { ':owed': OWED, ':now': now },
        Limit: Math.min(Math.max(limit, 1), MAX_LIMIT),
      }),
    );
    return (Items ?? []).map((item) => String(item.run_id).slice('github#'.length));
  }
}

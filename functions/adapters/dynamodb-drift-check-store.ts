/**
 * DriftCheckStore on DynamoDB: one item per check in the runs table, put with
 * `attribute_not_exists`, so a retried task writes nothing twice. Its key is
 * `drift-check#<run>#<step>` (a `#` is never in a run id: Step Functions execution names exclude
 * it, StartExecution API Reference, "name"). A project's history is read through the runs table's
 * `by_workflow` index: the item's `workflow` is `drift-check#<project>`, which no workflow name
 * can be (names are lowercase letters, digits and dashes), and its `started_at` the time of the
 * check. Reusing that index (index overloading, DynamoDB Developer Guide, "Overloading Global
 * Secondary Indexes") spares every deployment and every local data folder a table change. The
 * items carry no `stream`, so they never show in the runs list.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DriftCheckRecord, DriftCheckStore } from '../core/drift-checks/drift-check-store.ts';

/** The `by_workflow` partition of a project's drift checks. */
export function driftCheckPartition(project: string): string {
  return `drift-check#${project}`;
}

/** DriftCheckStore backed by the runs table. */
export class DynamoDbDriftCheckStore implements DriftCheckStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(check: DriftCheckRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            run_id: `drift-check#${check.run_id}#${check.step_id}`,
            workflow: driftCheckPartition(check.project),
            started_at: check.checked_at,
            check: { ...check },
          },
          ConditionExpression: 'attribute_not_exists(run_id)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async history(project: string, limit: number): Promise<DriftCheckRecord[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'by_workflow',
        KeyConditionExpression: 'workflow = :p',
        ExpressionAttributeValues: { ':p': driftCheckPartition(project) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => item.check as DriftCheckRecord);
  }
}

/** The approval stores every gate-handling function uses: gates, votes (both in the gates table) and the audit log. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditLog } from '../adapters/dynamodb-audit-log.ts';
import { DynamoDbGateStore } from '../adapters/dynamodb-gate-store.ts';
import { DynamoDbVoteStore } from '../adapters/dynamodb-vote-store.ts';
import type { Config } from '../config.ts';
import type { Clock } from '../core/ports.ts';

export function createGateStores(config: Pick<Config, 'tables'>, doc: DynamoDBDocumentClient, now: Clock) {
  return {
    gates: new DynamoDbGateStore(doc, config.tables.gates),
    votes: new DynamoDbVoteStore(doc, config.tables.gates),
    audit: new DynamoDbAuditLog(doc, config.tables.audit, now),
  };
}

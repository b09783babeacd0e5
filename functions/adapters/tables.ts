/**
 * The DynamoDB tables as plain data: the CDK stack builds them from this, and `createTables`
 * creates the same tables on dynalite for the local runtime and the tests.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';

/** A key attribute. */
export interface KeyDef {
  name: string;
  type: 'S' | 'N';
}

/** A global secondary index (always projecting all attributes). */
export interface IndexDef {
  name: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
}

/** One table: its CDK logical id, keys and indexes. */
export interface TableDef {
  logicalId: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  indexes: IndexDef[];
}

/** Sort key of the audit indexes: timestamp, run and zero-padded seq, so newest-first order is total. */
const AUDIT_SORT: KeyDef = { name: 'sort_key', type: 'S' };

/** Every table signoff uses. */
export const TABLES = {
  /** Gates (sk `gate`) and their votes (sk `vote#<email>`), keyed by gate id. */
  gates: {
    logicalId: 'GatesTable',
    partitionKey: { name: 'gate_id', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    indexes: [
      {
        name: 'by_run',
        partitionKey: { name: 'run_id', type: 'S' },
        sortKey: { name: 'requested_at', type: 'S' },
      },
      {
        name: 'by_status',
        partitionKey: { name: 'status', type: 'S' },
        sortKey: { name: 'requested_at', type: 'S' },
      },
      // Sparse: only closed gates whose engine call is not confirmed carry `notify_pending`.
      {
        name: 'unnotified',
        partitionKey: { name: 'notify_pending', type: 'S' },
        sortKey: { name: 'closed_at', type: 'S' },
      },
      // Sparse: only gates whose outbox still owes work after a vote carry `outbox_pending`.
      {
        name: 'outbox',
        partitionKey: { name: 'outbox_pending', type: 'S' },
        sortKey: { name: 'requested_at', type: 'S' },
      },
    ],
  },
  /** The append-only audit trail, keyed by (run, seq): the key makes the hash chain linear. */
  audit: {
    logicalId: 'AuditTable',
    partitionKey: { name: 'run_id', type: 'S' },
    sortKey: { name: 'seq', type: 'N' },
    indexes: [
      { name: 'by_workflow', partitionKey: { name: 'workflow', type: 'S' }, sortKey: AUDIT_SORT },
      { name: 'by_actor', partitionKey: { name: 'actor_email', type: 'S' }, sortKey: AUDIT_SORT },
      // One partition for "everything, newest first": audit volume is human-paced.
      { name: 'by_time', partitionKey: { name: 'stream', type: 'S' }, sortKey: AUDIT_SORT },
    ],
  },
  /** One item per run (the Step Functions execution name is the run id); put-if-absent dedups triggers. */
  runs: {
    logicalId: 'RunsTable',
    partitionKey: { name: 'run_id', type: 'S' },
    indexes: [
      // One partition for "all runs, newest first": runs are human-paced.
      {
        name: 'by_time',
        partitionKey: { name: 'stream', type: 'S' },
        sortKey: { name: 'started_at', type: 'S' },
      },
      {
        name: 'by_workflow',
        partitionKey: { name: 'workflow', type: 'S' },
        sortKey: { name: 'started_at', type: 'S' },
      },
    ],
  },
  /** API tokens, sessions and single-use sign-in links, keyed by `<kind>#<sha256>`; secrets are never stored in clear. */
  auth: {
    logicalId: 'AuthTable',
    partitionKey: { name: 'key', type: 'S' },
    indexes: [
      {
        name: 'by_user',
        partitionKey: { name: 'email', type: 'S' },
        sortKey: { name: 'created_at', type: 'S' },
      },
    ],
  },
} as const satisfies Record<string, TableDef>;

/** The tables by their role. */
export type TableKey = keyof typeof TABLES;

/** The physical table names (from config, or the CDK stack's outputs). */
export type TableNames = Record<TableKey, string>;

/** The CreateTable request for one table definition (on-demand billing). */
export function createTableInput(def: TableDef, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, KeyDef>();
  for (const key of [
    def.partitionKey,
    def.sortKey,
    ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]) {
    if (key) attributes.set(key.name, key);
  }
  const keySchema = (pk: KeyDef, sk?: KeyDef) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()].map((k) => ({
      AttributeName: k.name,
      AttributeType: k.type,
    })),
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: def.indexes.map((i) => ({
            IndexName: i.name,
            KeySchema: keySchema(i.partitionKey, i.sortKey),
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}

/** Creates every table that does not exist yet (idempotent) and waits until all are active. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const key of Object.keys(TABLES) as TableKey[]) {
    try {
      await client.send(new CreateTableCommand(createTableInput(TABLES[key], names[key])));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  for (const key of Object.keys(TABLES) as TableKey[]) await waitUntilActive(client, names[key]);
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`table ${tableName} did not become active`);
}

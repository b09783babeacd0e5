/**
 * Starts dynalite in this process on a random loopback port, creates signoff's tables from the
 * same definitions the CDK stack uses, and returns clients pointed at it.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createTables, type TableNames } from '../../functions/adapters/tables.ts';
import { createDocumentClient } from '../../functions/aws-clients.ts';

/** A running dynalite with signoff's tables. */
export interface Dynalite {
  endpoint: string;
  client: DynamoDBClient;
  docClient: DynamoDBDocumentClient;
  tableNames: TableNames;
  stop(): Promise<void>;
}

/** Starts dynalite (in memory) and creates the tables; table names get a unique suffix. */
export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return connectDynalite(
    `http://127.0.0.1:${port}`,
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
}

/** Clients for a dynalite listening at `endpoint`, with fresh uniquely named tables; `stop` also runs `close`. */
export async function connectDynalite(endpoint: string, close: () => Promise<void>): Promise<Dynalite> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const suffix = randomUUID().slice(0, 8);
  const tableNames: TableNames = {
    gates: `signoff-gates-${suffix}`,
    audit: `signoff-audit-${suffix}`,
    runs: `signoff-runs-${suffix}`,
    auth: `signoff-auth-${suffix}`,
  };
  await createTables(client, tableNames);
  return {
    endpoint,
    client,
    docClient: createDocumentClient(client),
    tableNames,
    async stop() {
      client.destroy();
      await close();
    },
  };
}

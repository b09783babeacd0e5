/**
 * Dynalite in a child process, so a benchmark measures the handler rather than the handler and
 * the emulator fighting for one event loop. Same tables and clients as the tests' dynalite.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables, type TableNames } from '../functions/adapters/tables.ts';
import { createDocumentClient } from '../functions/aws-clients.ts';
import type { Dynalite } from '../test/support/dynalite.ts';

const SCRIPT = `import dynalite from 'dynalite';
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

/** Starts dynalite in a child process on a random loopback port and creates signoff's tables. */
export async function startDynaliteProcess(): Promise<Dynalite> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  const endpoint = `http://127.0.0.1:${port}`;
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
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

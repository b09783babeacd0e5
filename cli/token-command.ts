/**
 * Local credentials from the CLI. `signoff token create --user EMAIL`: makes an API token for a directory user, written straight
 * to the auth table: the running local runtime's (from .signoff/runtime.json), or a deployed
 * stack's with `--table NAME` and the usual AWS credentials.
 */
import { join } from 'node:path';
import { DynamoDbAuthStore } from '../functions/adapters/dynamodb-auth-store.ts';
import { createAwsClients } from '../functions/aws-clients.ts';
import { createApiToken } from '../functions/core/auth/api-tokens.ts';
import { loadDirectoryFile } from '../statemachines/load.ts';
import { CliError, findRoot, readLocalState } from './workspace.ts';

/** Creates the token and prints it once. */
export async function tokenCreateCommand(
  options: { user: string; label?: string; table?: string; region?: string },
  out: (text: string) => void,
): Promise<number> {
  const root = findRoot();
  const directory = loadDirectoryFile(join(root, 'config', 'directory.yaml'));
  let table = options.table;
  let endpoint: string | undefined;
  if (!table) {
    const runtime = readLocalState<{ dynamodb: string; tables: { auth: string } }>('runtime.json');
    if (!runtime) {
      throw new CliError(
        'the local runtime is not running (npm start); for a deployed stack pass --table <auth table name>',
      );
    }
    table = runtime.tables.auth;
    endpoint = runtime.dynamodb;
  }
  const clients = createAwsClients({
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    endpoints: endpoint ? { dynamodb: endpoint } : {},
    localCredentials: endpoint !== undefined,
  });
  const auth = new DynamoDbAuthStore(clients.doc, table);
  let token: string;
  try {
    token = await createApiToken(
      { auth, directory, now: Date.now },
      options.user,
      options.label ?? 'signoff token create',
    );
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  out(token);
  process.stderr.write(
    `API token for ${options.user}; shown once, stored only as a hash. Use it as SIGNOFF_TOKEN or --token.\n`,
  );
  return 0;
}

/** `signoff secret NAME`: prints one generated local secret, on request only (never at start). */
export function localSecretCommand(name: string, out: (text: string) => void): number {
  const secrets = readLocalState<Record<string, string>>('secrets.json');
  if (!secrets) throw new CliError('no local secrets yet: run npm start once');
  const value = secrets[name];
  if (!value)
    throw new CliError(`no local secret "${name}" (there are: ${Object.keys(secrets).sort().join(', ')})`);
  out(value);
  return 0;
}

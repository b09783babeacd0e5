/**
 * People's last sign-ins through the identity provider, for the Lambda functions that read them
 * only when the deployed directory takes teams or roles from IdP groups (request-approval,
 * escalate, slack-interactions). The stack grants those functions the auth table only then
 * (infra/functions.ts, IDENTITY_READERS), so without the mapping they get no store to call.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIdentityStore } from '../adapters/dynamodb-identity-store.ts';
import type { Config } from '../config.ts';
import type { IdentityStore } from '../core/auth/identity-store.ts';
import { deployedDirectory } from './deployed-config.ts';

/** `{ identities }` when the deployed directory maps IdP groups, else nothing. */
export function identitiesFor(
  config: Pick<Config, 'configDir' | 'tables'>,
  doc: DynamoDBDocumentClient,
): { identities?: IdentityStore } {
  if (!deployedDirectory(config).idp) return {};
  return { identities: new DynamoDbIdentityStore(doc, config.tables.auth) };
}

/** signoff's secrets: Secrets Manager in AWS, a file in the local runtime. */
import { FileSecrets } from '../adapters/file-secrets.ts';
import { SecretsManagerSecrets } from '../adapters/secrets-manager-secrets.ts';
import { createSecretsClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { Secrets } from '../core/ports.ts';

export function createSecrets(config: Config): Secrets {
  return config.secrets.kind === 'file'
    ? new FileSecrets(config.secrets.path)
    : new SecretsManagerSecrets(createSecretsClient(config), config.secrets.prefix);
}

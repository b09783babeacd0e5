/** Secrets from AWS Secrets Manager, named `<prefix><name>`, cached for a few minutes. */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Secrets } from '../core/ports.ts';

const TTL_MS = 5 * 60_000;

/** Secrets backed by Secrets Manager; an empty or missing secret reads as unset. */
export class SecretsManagerSecrets implements Secrets {
  private readonly cache = new Map<string, { value: string | undefined; until: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(name: string): Promise<string | undefined> {
    const hit = this.cache.get(name);
    if (hit && hit.until > this.now()) return hit.value;
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: `${this.prefix}${name}` }));
      value = out.SecretString || undefined;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    this.cache.set(name, { value, until: this.now() + TTL_MS });
    return value;
  }
}

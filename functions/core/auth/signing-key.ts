/** The link-signing key: one secret signs approval capabilities and sign-in links. */
import type { Secrets } from '../ports.ts';
import { AuthError } from './auth-error.ts';

/** The name of the secret (Secrets Manager in AWS, `.signoff/secrets.json` locally). */
export const LINK_SIGNING_KEY = 'link-signing-key';

/** Shortest key accepted: HS256 wants at least 256 bits. */
const MIN_KEY_BYTES = 32;

/** The signing key's bytes; throws when the secret is missing or too short (a deployment fault). */
export async function getLinkSigningKey(secrets: Secrets): Promise<Uint8Array> {
  const value = await secrets.get(LINK_SIGNING_KEY);
  if (!value) throw new AuthError('misconfigured', `the secret ${LINK_SIGNING_KEY} is not set`);
  const key = new TextEncoder().encode(value);
  if (key.length < MIN_KEY_BYTES) {
    throw new AuthError(
      'misconfigured',
      `the secret ${LINK_SIGNING_KEY} is shorter than ${MIN_KEY_BYTES} bytes`,
    );
  }
  return key;
}

/** The local identity provider's ID token signing key: a private JWKS, new per start or kept in a file. */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** A JSON Web Key Set holding private keys (what oidc-provider's `jwks` option takes). */
export interface PrivateJwks {
  keys: JWK[];
}

/** A new RS256 signing key (RS256 is the ID token algorithm every OpenID client must accept). */
export async function generateSigningKeys(): Promise<PrivateJwks> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' }] };
}

/**
 * The keys in `file`, or new ones written there (mode 0600) when it does not exist yet, so tokens
 * signed before a restart still verify after it.
 */
export async function loadSigningKeys(file: string): Promise<PrivateJwks> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const jwks = await generateSigningKeys();
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600 });
    return jwks;
  }
  // The file holds private keys: keep it readable by its owner only, whatever made it.
  await chmod(file, 0o600);
  const jwks = parseJwks(text);
  if (!jwks)
    throw new Error(`${file} is not a private JWKS ({"keys": [...]}); delete it to generate new keys`);
  return jwks;
}

function parseJwks(text: string): PrivateJwks | undefined {
  try {
    const value = JSON.parse(text) as { keys?: unknown };
    const keys = value?.keys;
    if (!Array.isArray(keys) || keys.length === 0) return undefined;
    if (!keys.every((key) => typeof key === 'object' && key !== null && 'd' in key)) return undefined;
    return { keys: keys as JWK[] };
  } catch {
    return undefined;
  }
}

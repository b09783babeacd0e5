/**
 * The auth table as a port: API tokens, sessions and used sign-in links, each keyed by
 * `<kind>#<sha256 of the secret>`, so the table never holds a usable secret.
 */
import { createHash } from 'node:crypto';

/** What an auth record is. */
export type AuthKind = 'session' | 'api_token' | 'signin_link' | 'oidc_state';

/** One item of the auth table. */
export interface AuthRecord {
  /** `<kind>#<sha256 hex>`. */
  key: string;
  kind: AuthKind;
  /** The directory user it belongs to (lower case). */
  email: string;
  created_at: string;
  /** After this ISO time the record is dead (checked on read: TTL is not relied on). */
  expires_at?: string;
  /** An API token's label. */
  label?: string;
  /** A session's CSRF token (not a credential by itself). */
  csrf?: string;
  /** A session's sign-in through the identity provider, for gates that ask for a recent one. */
  signin?: IdpSignin;
  /** A sign-in through the identity provider that is under way (kind `oidc_state`), used up by `take`. */
  oidc?: OidcPending;
}

/** How a session's person signed in at the identity provider, as its ID token said. */
export interface IdpSignin {
  /** The issuer. */
  idp: string;
  /** When the person authenticated at the identity provider, in seconds. */
  auth_time?: number;
  /** How (`pwd`, `otp`, `mfa`, ...). */
  amr?: string[];
}

/** What the callback of an identity-provider sign-in needs from the request that started it. */
export interface OidcPending {
  /** The PKCE code verifier (RFC 7636): only this server ever knows it. */
  code_verifier: string;
  nonce: string;
  /** Where to go once signed in (already checked by `safeNext`). */
  next: string;
  /** The `max_age` asked of the identity provider, in seconds, for a step-up sign-in. */
  max_age?: number;
}

/** Stores auth records; every write is a single conditional put. */
export interface AuthStore {
  /** Stores the record unless its key exists; false when it did (a used sign-in link, a clash). */
  putIfAbsent(record: AuthRecord): Promise<boolean>;
  get(key: string): Promise<AuthRecord | undefined>;
  /** Deletes the record and returns it, or undefined when it was not there: of two concurrent takes only one gets it. */
  take(key: string): Promise<AuthRecord | undefined>;
  delete(key: string): Promise<void>;
  /** Every record of one person (sessions, API tokens), by their lower-case email. */
  listByUser(email: string): Promise<AuthRecord[]>;
}

/** The auth table key of a secret of a given kind: the secret itself is never stored. */
export function authKey(kind: AuthKind, secret: string): string {
  return `${kind}#${createHash('sha256').update(secret).digest('hex')}`;
}

/** Whether a record is still alive at `now` (ms). */
export function isAlive(record: AuthRecord, now: number): boolean {
  return record.expires_at === undefined || Date.parse(record.expires_at) > now;
}

/**
 * What signoff keeps of a person's last sign-in through the identity provider: their groups, read
 * through the directory's current mappings for teams and role (`withIdentities`), and when.
 */

/** One person's last sign-in through the identity provider. */
export interface IdentityRecord {
  /** Lower case; bound to (`iss`, `sub`) at the first sign-in. */
  email: string;
  name: string;
  iss: string;
  sub: string;
  /** The groups claim of that sign-in, as the IdP sent it. */
  groups: string[];
  signed_in_at: string;
  /** When the person last authenticated at the IdP (seconds), and how (`amr`), as the ID token says. */
  auth_time?: number;
  amr?: string[];
  /** Set by an admin (`signoff directory sync --revoke`): the record then vouches for nothing. */
  revoked_at?: string;
}

/** What `recordSignin` did. */
export type RecordOutcome =
  | 'stored'
  /** The email belongs to another subject at this IdP (or another IdP): nothing was written. */
  | 'conflict'
  /** A newer sign-in was already recorded (two sign-ins racing): nothing was written. */
  | 'older';

/** The identity records (the auth table in AWS). */
export interface IdentityStore {
  get(email: string): Promise<IdentityRecord | undefined>;
  list(): Promise<IdentityRecord[]>;
  /**
   * Records a sign-in with one conditional write: a new email, or the same (`iss`, `sub`) signing
   * in later than the stored record. A revoked record is replaced by the next sign-in.
   */
  recordSignin(record: IdentityRecord): Promise<RecordOutcome>;
  /** Marks the record revoked; false when there is none. */
  revoke(email: string, at: string): Promise<boolean>;
}

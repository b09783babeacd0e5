/** IdentityStore in memory, for unit tests, with the DynamoDB store's conditions. */
import type { IdentityRecord, IdentityStore, RecordOutcome } from '../core/auth/identity-store.ts';

/** Keeps identity records in a Map by lower-case email. */
export class MemoryIdentityStore implements IdentityStore {
  readonly records = new Map<string, IdentityRecord>();

  async get(email: string): Promise<IdentityRecord | undefined> {
    const record = this.records.get(email.toLowerCase());
    return record ? structuredClone(record) : undefined;
  }

  async list(): Promise<IdentityRecord[]> {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  async recordSignin(record: IdentityRecord): Promise<RecordOutcome> {
    const email = record.email.toLowerCase();
    const stored = this.records.get(email);
    if (stored && !stored.revoked_at) {
      if (stored.iss !== record.iss || stored.sub !== record.sub) return 'conflict';
      if (stored.signed_in_at >= record.signed_in_at) return 'older';
    }
    this.records.set(email, structuredClone({ ...record, email }));
    return 'stored';
  }

  async revoke(email: string, at: string): Promise<boolean> {
    const stored = this.records.get(email.toLowerCase());
    if (!stored) return false;
    stored.revoked_at = at;
    return true;
  }
}

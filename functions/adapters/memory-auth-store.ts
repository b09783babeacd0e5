/** AuthStore in memory, for unit tests. */
import type { AuthRecord, AuthStore } from '../core/auth/auth-store.ts';

/** Keeps auth records in a Map with the same put-if-absent rule as the DynamoDB store. */
export class MemoryAuthStore implements AuthStore {
  readonly records = new Map<string, AuthRecord>();

  async putIfAbsent(record: AuthRecord): Promise<boolean> {
    if (this.records.has(record.key)) return false;
    this.records.set(record.key, structuredClone(record));
    return true;
  }

  async get(key: string): Promise<AuthRecord | undefined> {
    const record = this.records.get(key);
    return record ? structuredClone(record) : undefined;
  }

  async take(key: string): Promise<AuthRecord | undefined> {
    const record = this.records.get(key);
    this.records.delete(key);
    return record;
  }

  async delete(key: string): Promise<void> {
    this.records.delete(key);
  }

  async listByUser(email: string): Promise<AuthRecord[]> {
    const person = email.toLowerCase();
    return [...this.records.values()].filter((r) => r.email === person).map((r) => structuredClone(r));
  }
}

/** oidc-provider's storage kept in process memory, for the local identity provider (nothing outlives a restart). */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Milliseconds since the epoch; Infinity when the provider gave no lifetime. */
  expiresAt: number;
}

/**
 * Makes the factory oidc-provider calls once per model (Session, Grant, AuthorizationCode, ...);
 * the adapters share one store that belongs to this provider alone.
 */
export function createMemoryAdapter(now: () => number = Date.now): (model: string) => Adapter {
  const store = new Map<string, Entry>();
  return (model) => new MemoryAdapter(model, store, now);
}

/** One model's records in a shared in-memory store; an expired record reads as missing. */
export class MemoryAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: Map<string, Entry>,
    private readonly now: () => number,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    this.removeExpired();
    const expiresAt = expiresIn === undefined ? Number.POSITIVE_INFINITY : this.now() + expiresIn * 1000;
    // A copy, as a database would keep: later changes to the caller's object are not stored.
    this.store.set(this.key(id), { payload: structuredClone(payload), expiresAt });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = this.live(this.key(id));
    return entry && structuredClone(entry.payload);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.uid === uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.userCode === userCode);
  }

  async consume(id: string): Promise<void> {
    const entry = this.live(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(this.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, entry] of this.store) {
      if (key.startsWith(this.prefix()) && entry.payload.grantId === grantId) this.store.delete(key);
    }
  }

  private key(id: string): string {
    return `${this.prefix()}${id}`;
  }

  private prefix(): string {
    return `${this.model}:`;
  }

  private live(key: string): Entry | undefined {
    const entry = this.store.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.store.delete(key);
      return undefined;
    }
    return entry;
  }

  // A linear scan: the local provider holds a handful of sessions, so an index would only add code.
  private findWhere(matches: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    for (const key of this.store.keys()) {
      if (!key.startsWith(this.prefix())) continue;
      const entry = this.live(key);
      if (entry && matches(entry.payload)) return structuredClone(entry.payload);
    }
    return undefined;
  }

  private removeExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.store) if (entry.expiresAt <= now) this.store.delete(key);
  }
}

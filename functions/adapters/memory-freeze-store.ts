/** FreezeStore in memory, for unit tests. */
import { type AdhocFreeze, inEffectOrToCome } from '../core/freeze/freeze-windows.ts';
import type { FreezeStore } from '../core/ports.ts';

export class MemoryFreezeStore implements FreezeStore {
  readonly freezes: AdhocFreeze[] = [];

  async list(): Promise<AdhocFreeze[]> {
    return structuredClone(this.freezes);
  }

  async add(freeze: AdhocFreeze): Promise<void> {
    if (this.freezes.some((f) => f.id === freeze.id)) throw new Error(`freeze ${freeze.id} exists already`);
    this.freezes.push(structuredClone(freeze));
  }

  async end(id: string, endedAt: string, endedBy: string): Promise<AdhocFreeze | undefined> {
    const found = this.freezes.find((f) => f.id === id && inEffectOrToCome(f, endedAt));
    if (!found) return undefined;
    Object.assign(found, { ended_at: endedAt, ended_by: endedBy });
    return structuredClone(found);
  }
}

import type { Vote, VoteStore } from '../core/ports.ts';

/** In-memory VoteStore keyed by (gate, lower-cased email), first vote wins. */
export class MemoryVoteStore implements VoteStore {
  private readonly votes = new Map<string, Vote>();

  async put(vote: Vote): Promise<{ stored: boolean; vote: Vote }> {
    const key = `${vote.gate_id}\n${vote.email.toLowerCase()}`;
    const existing = this.votes.get(key);
    if (existing) return { stored: false, vote: structuredClone(existing) };
    this.votes.set(key, structuredClone(vote));
    return { stored: true, vote: structuredClone(vote) };
  }

  async list(gateId: string): Promise<Vote[]> {
    return [...this.votes.values()].filter((v) => v.gate_id === gateId).map((v) => structuredClone(v));
  }
}

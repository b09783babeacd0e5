import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  chainAuditEvent,
  GENESIS_HASH,
  hashAuditEvent,
  verifyAuditChain,
} from '../../../../functions/core/audit/audit-chain.ts';
import type { AuditEvent, AuditEventInput } from '../../../../functions/core/ports.ts';

function trail(count: number, runId = 'run-1'): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (let i = 0; i < count; i++) {
    const input: AuditEventInput = {
      action: i === 0 ? 'requested' : 'approved',
      actor: { email: `p${i}@acme.com`, name: `Person ${i}` },
      workflow: 'production-deploy',
      run_id: runId,
      at: new Date(Date.UTC(2026, 10, 25, 10, i)).toISOString(),
      comment: `comment ${i}`,
      details: { nested: { b: 1, a: [i, 'x'] } },
    };
    events.push(chainAuditEvent(input, events.at(-1)));
  }
  return events;
}

describe('canonicalJson', () => {
  it('writes the same text whatever the key order, and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      canonicalJson({ a: { d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});

describe('chainAuditEvent', () => {
  it('numbers events from 1 and links each to the previous hash', () => {
    const [first, second] = trail(2);
    expect(first).toMatchObject({ seq: 1, prev_hash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 2, prev_hash: first?.hash });
    expect(first?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashAuditEvent(second as AuditEvent)).toBe(second?.hash);
  });
});

describe('verifyAuditChain', () => {
  it('accepts an untouched trail in any order', () => {
    const events = trail(5);
    expect(verifyAuditChain(events.reverse())).toEqual({ ok: true, checked: 5, problems: [] });
  });

  it('reports an edited event by its seq', () => {
    const events = trail(5);
    events[2] = { ...(events[2] as AuditEvent), comment: 'nothing to see here' };
    const report = verifyAuditChain(events);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { seq: 3, kind: 'edited', message: 'event 3 was changed after it was written' },
    ]);
  });

  it('reports an edited event whose hash was recomputed as a broken link after it', () => {
    const events = trail(4);
    const forged = { ...(events[1] as AuditEvent), actor: { email: 'mallory@acme.com', name: 'Mallory' } };
    events[1] = { ...forged, hash: hashAuditEvent(forged) };
    expect(verifyAuditChain(events).problems).toEqual([
      { seq: 3, kind: 'broken_link', message: 'event 3 does not follow event 2' },
    ]);
  });

  it('reports a deleted event as missing', () => {
    const events = trail(5);
    events.splice(2, 1);
    expect(verifyAuditChain(events).problems).toEqual([
      { seq: 3, kind: 'missing', message: 'event 3 is missing' },
    ]);
  });

  it('reports deleted first events and a run of missing ones', () => {
    const events = trail(6).filter((e) => e.seq !== 1 && e.seq !== 4 && e.seq !== 5);
    expect(verifyAuditChain(events).problems.map((p) => [p.kind, p.seq, p.message])).toEqual([
      ['missing', 1, 'event 1 is missing'],
      ['missing', 4, 'event 4 to 5 is missing'],
    ]);
  });

  it('reports an event from another run and a duplicated seq', () => {
    const events = [...trail(2), trail(2, 'run-2')[1] as AuditEvent, trail(2)[1] as AuditEvent];
    const kinds = verifyAuditChain(events)
      .problems.map((p) => p.kind)
      .sort();
    expect(kinds).toEqual(['duplicate', 'other_run']);
  });
});

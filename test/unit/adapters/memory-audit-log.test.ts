import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../functions/adapters/memory-audit-log.ts';

describe('MemoryAuditLog', () => {
  it('chains per run and lists newest first with a cursor', async () => {
    const audit = new MemoryAuditLog();
    for (let i = 0; i < 5; i++) {
      await audit.append({
        action: 'approved',
        actor: { email: 'a@acme.com', name: 'A' },
        workflow: 'wf',
        run_id: i % 2 ? 'r1' : 'r2',
        at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      });
    }
    expect((await audit.readRun('r2')).map((e) => e.seq)).toEqual([1, 2, 3]);
    const first = await audit.list({ workflow: 'wf' }, { limit: 3 });
    const second = await audit.list({ workflow: 'wf' }, { limit: 3, cursor: first.cursor as string });
    expect([...first.events, ...second.events].map((e) => e.at.slice(14, 16))).toEqual([
      '04',
      '03',
      '02',
      '01',
      '00',
    ]);
    expect(second.cursor).toBeUndefined();
  });
});

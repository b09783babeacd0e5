import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../../functions/adapters/memory-audit-log.ts';
import { MemoryCheckpointArchive } from '../../../../functions/adapters/memory-checkpoint-archive.ts';
import { GENESIS_HASH } from '../../../../functions/core/audit/audit-chain.ts';
import {
  chainCheckpoint,
  hashCheckpoint,
  verifyCheckpoints,
} from '../../../../functions/core/audit/audit-checkpoint.ts';
import {
  HEAD_LOG_OVERLAP_MS,
  writeAuditCheckpoint,
} from '../../../../functions/core/audit/write-audit-checkpoint.ts';
import type { AuditEventInput } from '../../../../functions/core/ports.ts';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');

function event(runId: string, action: AuditEventInput['action'] = 'requested'): AuditEventInput {
  return {
    action,
    actor: { email: 'jane@acme.com', name: 'Jane' },
    workflow: 'w',
    run_id: runId,
    at: '2026-12-02T10:00:00.000Z',
  };
}

function setup() {
  let clock = T0;
  const now = () => clock;
  const audit = new MemoryAuditLog(now);
  const archive = new MemoryCheckpointArchive();
  return {
    audit,
    archive,
    deps: { anchors: audit, archive, now },
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('chainCheckpoint', () => {
  it('numbers, links and hashes each checkpoint', () => {
    const first = chainCheckpoint(undefined, { at: 'a', through: 1, heads: [] });
    const second = chainCheckpoint(first, {
      at: 'b',
      through: 2,
      heads: [
        { run_id: 'r2', seq: 1, hash: 'h2' },
        { run_id: 'r1', seq: 3, hash: 'h1' },
      ],
    });
    expect(first).toMatchObject({ n: 1, prev_hash: GENESIS_HASH });
    expect(second).toMatchObject({ n: 2, prev_hash: first.hash });
    expect(second.heads.map((h) => h.run_id)).toEqual(['r1', 'r2']);
    expect(hashCheckpoint(second)).toBe(second.hash);
  });
});

describe('writeAuditCheckpoint', () => {
  it('anchors the newest head of every run that moved, and writes nothing when none did', async () => {
    const { audit, archive, deps, advance } = setup();
    for (const run of ['r1', 'r1', 'r2']) await audit.append(event(run));
    expect(await writeAuditCheckpoint(deps)).toEqual({ written: [1] });
    const [first] = await audit.readCheckpoints();
    expect(first?.heads.map((h) => [h.run_id, h.seq])).toEqual([
      ['r1', 2],
      ['r2', 1],
    ]);
    expect(first?.archived).toBe(true);
    expect(await archive.list()).toEqual([expect.objectContaining({ n: 1, hash: first?.hash })]);
    advance(60_000);
    expect(await writeAuditCheckpoint(deps)).toEqual({ written: [] });
    await audit.append(event('r2'));
    advance(60_000);
    expect(await writeAuditCheckpoint(deps)).toEqual({ written: [2] });
    expect((await audit.latestCheckpoint())?.heads).toEqual([
      expect.objectContaining({ run_id: 'r2', seq: 2 }),
    ]);
  });

  it('reads the head log again from a little before the last checkpoint, for writers whose clock was behind', async () => {
    const { audit, deps, advance } = setup();
    await audit.append(event('r1'));
    await writeAuditCheckpoint(deps);
    // A writer 2 minutes behind lands a key below the one the checkpoint read up to.
    advance(-2 * 60_000);
    await audit.append(event('r9'));
    advance(HEAD_LOG_OVERLAP_MS);
    expect(await writeAuditCheckpoint(deps)).toEqual({ written: [2] });
    expect((await audit.latestCheckpoint())?.heads.map((h) => h.run_id)).toEqual(['r9']);
  });

  it('writes the locked copy a stopped writer left out before the next checkpoint', async () => {
    const { audit, archive, deps } = setup();
    await audit.append(event('r1'));
    await writeAuditCheckpoint({ anchors: audit, now: deps.now });
    expect(await archive.list()).toEqual([]);
    expect(await writeAuditCheckpoint(deps)).toEqual({ written: [], archivedLate: 1 });
    expect((await archive.list()).map((c) => c.n)).toEqual([1]);
  });

  it('stops when another writer took the checkpoint number first', async () => {
    const { audit, deps } = setup();
    await audit.append(event('r1'));
    const results = await Promise.all([writeAuditCheckpoint(deps), writeAuditCheckpoint(deps)]);
    expect(results.map((r) => r.written.length).sort()).toEqual([0, 1]);
    expect(results.some((r) => r.raced)).toBe(true);
    expect(verifyCheckpoints(await audit.readCheckpoints()).ok).toBe(true);
  });
});

describe('verifyCheckpoints', () => {
  async function three() {
    const { audit, archive, deps, advance } = setup();
    for (const run of ['r1', 'r2', 'r3']) {
      await audit.append(event(run));
      advance(HEAD_LOG_OVERLAP_MS + 1);
      await writeAuditCheckpoint(deps);
    }
    return { audit, archive };
  }

  it('passes an intact chain and folds each run to its newest anchored head', async () => {
    const { audit, archive } = await three();
    const report = verifyCheckpoints(await audit.readCheckpoints(), await archive.list());
    expect(report).toMatchObject({ ok: true, checked: 3, archive: true, problems: [] });
    expect([...report.anchored.keys()]).toEqual(['r1', 'r2', 'r3']);
  });

  it('notices a checkpoint removed from the table, from its locked copy', async () => {
    const { audit, archive } = await three();
    audit.checkpoints.delete(3);
    const report = verifyCheckpoints(await audit.readCheckpoints(), await archive.list());
    expect(report.problems).toEqual([
      {
        seq: 3,
        kind: 'missing',
        message: 'checkpoint 3 was removed from the audit table; its locked copy remains',
      },
    ]);
    expect(report.anchored.get('r3')?.seq).toBe(1);
  });

  it('notices a checkpoint rewritten in the table, and trusts the locked copy', async () => {
    const { audit, archive } = await three();
    const second = audit.checkpoints.get(2);
    if (!second) throw new Error('no checkpoint 2');
    second.heads = [];
    second.hash = hashCheckpoint(second);
    const report = verifyCheckpoints(await audit.readCheckpoints(), await archive.list());
    expect(report.problems.map((p) => [p.seq, p.kind])).toEqual([[2, 'edited']]);
    expect(report.anchored.has('r2')).toBe(true);
  });

  it('takes the first version of a locked copy, not one written over it', async () => {
    const { audit, archive } = await three();
    const forged = { ...(await archive.list())[1], heads: [] } as Parameters<typeof archive.put>[0];
    forged.hash = hashCheckpoint(forged);
    await archive.put(forged);
    const report = verifyCheckpoints(await audit.readCheckpoints(), await archive.list());
    expect(report.ok).toBe(true);
    expect(report.anchored.has('r2')).toBe(true);
  });

  it('without an archive, notices a gap in the middle of the chain', async () => {
    const { audit } = await three();
    audit.checkpoints.delete(2);
    const report = verifyCheckpoints(await audit.readCheckpoints());
    expect(report.problems.map((p) => [p.seq, p.kind])).toEqual([[2, 'missing']]);
  });
});

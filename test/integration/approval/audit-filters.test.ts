import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuditLog } from '../../../functions/adapters/dynamodb-audit-log.ts';
import { MemoryAuditLog } from '../../../functions/adapters/memory-audit-log.ts';
import { parseAuditFilter } from '../../../functions/core/audit/audit-filter.ts';
import type { AuditAction, AuditFilter, AuditLog, AuditQuery } from '../../../functions/core/ports.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
const stores: { name: string; store: AuditLog & AuditQuery }[] = [];

/** One event a minute from 10:00 on 2026-11-25, cycling actions, actors, workflows and runs. */
const ACTIONS: AuditAction[] = ['requested', 'approved', 'rejected', 'timed_out'];
const EVENTS = Array.from({ length: 24 }, (_, i) => ({
  action: ACTIONS[i % 4] as AuditAction,
  actor: { email: `p${i % 3}@acme.com`, name: `Person ${i % 3}` },
  workflow: i % 2 === 0 ? 'wf-a' : 'wf-b',
  run_id: `run-f${i % 5}`,
  at: new Date(Date.UTC(2026, 10, 25, 10, i)).toISOString(),
}));

beforeAll(async () => {
  db = await startDynalite();
  stores.push({ name: 'memory', store: new MemoryAuditLog() });
  stores.push({ name: 'dynamodb', store: new DynamoDbAuditLog(db.docClient, db.tableNames.audit) });
  for (const { store } of stores) for (const e of EVENTS) await store.append(e);
});
afterAll(async () => {
  await db?.stop();
});

/** What the filter should keep, worked out from the fixture, newest first. */
function expected(filter: AuditFilter): string[] {
  return EVENTS.filter(
    (e) =>
      (!filter.action || e.action === filter.action) &&
      (!filter.actor || e.actor.email === filter.actor) &&
      (!filter.workflow || e.workflow === filter.workflow) &&
      (!filter.run || e.run_id === filter.run) &&
      (!filter.from || e.at >= filter.from) &&
      (!filter.to || e.at < filter.to),
  )
    .map((e) => e.at)
    .reverse();
}

async function listAll(store: AuditQuery, filter: AuditFilter): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(filter, { limit: 4, ...(cursor ? { cursor } : {}) });
    seen.push(...page.events.map((e) => e.at));
    cursor = page.cursor;
  } while (cursor);
  return seen;
}

const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 10, minute)).toISOString();
const CASES: [string, AuditFilter][] = [
  ['action', { action: 'approved' }],
  ['action and workflow', { action: 'rejected', workflow: 'wf-a' }],
  ['actor and action', { actor: 'p1@acme.com', action: 'requested' }],
  ['run and time', { run: 'run-f2', from: at(5), to: at(20) }],
  ['time only, from inclusive and to exclusive', { from: at(3), to: at(9) }],
  ['from only', { from: at(20) }],
  ['to only', { to: at(2) }],
  ['workflow and time', { workflow: 'wf-a', from: at(4), to: at(12) }],
  ['actor and time', { actor: 'p0@acme.com', from: at(6) }],
];

describe('audit filters in both stores', () => {
  for (const [name, filter] of CASES) {
    it(`filters by ${name}, paging through every match`, async () => {
      const want = expected(filter);
      expect(want.length).toBeGreaterThan(0);
      for (const { name: storeName, store } of stores) {
        expect({ store: storeName, events: await listAll(store, filter) }).toEqual({
          store: storeName,
          events: want,
        });
      }
    });
  }
});

describe('parseAuditFilter', () => {
  it('reads every filter and takes a whole day for a date in to', () => {
    expect(
      parseAuditFilter(
        {
          action: 'approved',
          actor: 'Jane@Acme.com',
          workflow: 'wf-a',
          run: 'r-1',
          from: '2026-11-25',
          to: '2026-11-25',
        },
        ['wf-a'],
      ),
    ).toEqual({
      filter: {
        action: 'approved',
        actor: 'jane@acme.com',
        workflow: 'wf-a',
        run: 'r-1',
        from: '2026-11-25T00:00:00.000Z',
        to: '2026-11-26T00:00:00.000Z',
      },
      problems: [],
    });
    expect(parseAuditFilter({ from: '2026-11-25T10:30' }, []).problems).toEqual([]);
  });

  it('reports every problem at once', () => {
    const { problems } = parseAuditFilter(
      { action: 'deleted', workflow: 'nope', run: 'a b', from: '2026-02-30', to: 'yesterday' },
      ['wf-a'],
    );
    expect(problems).toEqual([
      'action "deleted" is not an audit action (for example approved, rejected, timed_out).',
      'There is no workflow named "nope".',
      'run must be a run id (letters, digits, "_", ".", ":" or "-", at most 80).',
      'from must be a date (2026-12-04) or a UTC time (2026-12-04T15:30), not "2026-02-30".',
      'to must be a date (2026-12-04) or a UTC time (2026-12-04T15:30), not "yesterday".',
    ]);
    expect(parseAuditFilter({ from: '2026-11-26', to: '2026-11-25' }, []).problems).toEqual([
      'from must be before to.',
    ]);
  });
});

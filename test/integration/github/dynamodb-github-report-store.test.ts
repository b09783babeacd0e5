import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGitHubReportStore } from '../../../functions/adapters/dynamodb-github-report-store.ts';
import { DynamoDbRunStore } from '../../../functions/adapters/dynamodb-run-store.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
let reports: DynamoDbGitHubReportStore;
beforeAll(async () => {
  db = await startDynalite();
  reports = new DynamoDbGitHubReportStore(db.docClient, db.tableNames.runs);
});
afterAll(() => db.stop());

const failure = (retryAt: string) => ({
  reason: 'GitHub answered 503',
  at: retryAt,
  retry_at: retryAt,
  attempts: 1,
});

describe('DynamoDbGitHubReportStore', () => {
  it('keeps the first check run id when two reporters race', async () => {
    const ids = await Promise.all([
      reports.claimId('r1', 'check_run_id', 5),
      reports.claimId('r1', 'check_run_id', 6),
    ]);
    expect(ids[0]).toBe(ids[1]);
    expect((await reports.get('r1'))?.check_run_id).toBe(ids[0]);
  });

  it('lists an owed report once it is due, and forgets it once it went through', async () => {
    await reports.setStage('r2', 'queued');
    await reports.recordFailure('r2', failure('2026-12-05T10:00:00.000Z'));
    expect(await reports.listOwed('2026-12-05T09:59:59.000Z')).not.toContain('r2');
    expect(await reports.listOwed('2026-12-05T10:00:00.000Z')).toContain('r2');
    expect(await reports.get('r2')).toMatchObject({ stage: 'queued', failure: { attempts: 1 } });
    await reports.clearFailure('r2');
    expect(await reports.listOwed('2026-12-06T00:00:00.000Z')).not.toContain('r2');
    expect((await reports.get('r2'))?.failure).toBeUndefined();
  });

  it('keeps a given-up report’s failure for the run page, and lists it as owed no more', async () => {
    await reports.recordFailure('r4', failure('2026-12-05T10:00:00.000Z'));
    await reports.recordFailure('r4', {
      ...failure('2026-12-08T11:00:00.000Z'),
      attempts: 75,
      since: '2026-12-05T10:00:00.000Z',
      given_up_at: '2026-12-08T10:00:00.000Z',
    });
    expect(await reports.listOwed('2026-12-09T00:00:00.000Z')).not.toContain('r4');
    expect((await reports.get('r4'))?.failure).toMatchObject({
      attempts: 75,
      given_up_at: '2026-12-08T10:00:00.000Z',
    });
  });

  it('never shows in the runs list', async () => {
    await reports.recordFailure('r3', failure('2026-12-05T10:00:00.000Z'));
    const { runs } = await new DynamoDbRunStore(db.docClient, db.tableNames.runs).list({});
    expect(runs.map((r) => r.id)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRunStore } from '../../../functions/adapters/dynamodb-run-store.ts';
import type { RunRecord } from '../../../functions/core/ports.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
let runs: DynamoDbRunStore;
beforeAll(async () => {
  db = await startDynalite();
  runs = new DynamoDbRunStore(db.docClient, db.tableNames.runs);
});
afterAll(() => db.stop());

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function run(id: string, source: RunRecord['source']): RunRecord {
  return {
    id,
    workflow: 'deploy',
    environment: 'production',
    production: true,
    trigger: { type: 'manual' },
    started_by: null,
    started_at: '2026-12-02T10:00:00.000Z',
    execution_arn: `arn:aws:states:us-east-1:000000000000:execution:signoff-deploy:${id}`,
    status: 'RUNNING',
    source,
  };
}

describe('DynamoDbRunStore.pinCommit', () => {
  it('records the first resolved commit of a run started from a branch, and no later one', async () => {
    await runs.create(
      run('r-branch', { type: 'repository', repository: 'acme/infra', ref: 'main', checkout: 'main' }),
    );
    await runs.pinCommit('r-branch', A);
    await runs.pinCommit('r-branch', B);
    expect((await runs.get('r-branch'))?.source).toEqual({
      type: 'repository',
      repository: 'acme/infra',
      ref: 'main',
      checkout: 'main',
      commit: A,
    });
  });

  it('never changes a run pinned at start, a snapshot run, or a run that does not exist', async () => {
    await runs.create(
      run('r-pinned', { type: 'repository', repository: 'acme/infra', commit: A, checkout: A }),
    );
    await runs.create(run('r-snapshot', { type: 'snapshot' }));
    await runs.pinCommit('r-pinned', B);
    await runs.pinCommit('r-snapshot', B);
    await runs.pinCommit('r-missing', B);
    expect((await runs.get('r-pinned'))?.source).toMatchObject({ commit: A });
    expect((await runs.get('r-snapshot'))?.source).toEqual({ type: 'snapshot' });
    expect(await runs.get('r-missing')).toBeUndefined();
  });
});

describe('DynamoDbRunStore.markNoChanges', () => {
  it('marks a run no_changes, again without harm, and creates nothing for a run that does not exist', async () => {
    await runs.create(run('r-quiet', { type: 'snapshot' }));
    await runs.markNoChanges('r-quiet');
    await runs.markNoChanges('r-quiet');
    expect(await runs.get('r-quiet')).toMatchObject({ id: 'r-quiet', status: 'RUNNING', no_changes: true });
    await runs.markNoChanges('r-nobody');
    expect(await runs.get('r-nobody')).toBeUndefined();
  });
});

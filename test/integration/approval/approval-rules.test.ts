import { afterAll, beforeAll } from 'vitest';
import { createDynamoDeps } from '../../support/approval-fixtures.ts';
import { describeApprovalRules } from '../../support/approval-scenarios.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

describeApprovalRules(() => createDynamoDeps(db));

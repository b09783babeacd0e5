import { afterAll, beforeAll } from 'vitest';
import { createDynamoDeps } from '../../support/approval-fixtures.ts';
import { describeApproverRules } from '../../support/approver-rules-scenarios.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

describeApproverRules(() => createDynamoDeps(db));

import { afterAll, beforeAll } from 'vitest';
import { createDynamoDeps } from '../../support/approval-fixtures.ts';
import { describeDeliveryFailures } from '../../support/delivery-failure-scenarios.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

describeDeliveryFailures(() => createDynamoDeps(db));

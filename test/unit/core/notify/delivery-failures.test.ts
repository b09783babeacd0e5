import { createMemoryDeps } from '../../../support/approval-fixtures.ts';
import { describeDeliveryFailures } from '../../../support/delivery-failure-scenarios.ts';

describeDeliveryFailures(() => createMemoryDeps());

import { createMemoryDeps } from '../../../support/approval-fixtures.ts';
import { describeApprovalRules } from '../../../support/approval-scenarios.ts';

describeApprovalRules(() => createMemoryDeps());

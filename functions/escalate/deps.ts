/**
 * escalate's deps: the approval function's, with the approvers' channels (an escalation emails
 * the people it adds), and people's last sign-ins when the directory takes teams from IdP groups.
 */
import { createDynamoDocument } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import { type ApprovalFunctionDeps, createApprovalFunctionDeps } from '../wiring/approval.ts';
import { identitiesFor } from '../wiring/identities.ts';
import { approverChannels } from '../wiring/notifier.ts';

export type EscalateDeps = ApprovalFunctionDeps;

export function createEscalateDeps(config: Config): EscalateDeps {
  const doc = createDynamoDocument(config);
  return { ...createApprovalFunctionDeps(config, approverChannels, doc), ...identitiesFor(config, doc) };
}

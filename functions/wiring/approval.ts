/**
 * What the functions that open, escalate, time out and drain gates share: the approval stores,
 * the directory and the approvers' channels. Those that tell the engine (request-approval,
 * resume-gate) add it; a timeout and an escalation never do.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NamedNotifier } from '../adapters/composite-notifier.ts';
import { createDynamoDocument } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { deployedDirectory } from './deployed-config.ts';
import { createGateStores } from './gates.ts';
import { createLogging } from './logging.ts';
import { createNotifier, type NotifierParts } from './notifier.ts';
import { createSecrets } from './secrets.ts';

export type ApprovalFunctionDeps = Pick<
  AppDeps,
  'gates' | 'votes' | 'audit' | 'notifier' | 'directory' | 'now' | 'log' | 'logger'
> &
  // Only the functions that resolve approvers, and only with a directory that maps IdP groups
  // (wiring/identities.ts).
  Partial<Pick<AppDeps, 'identities'>>;

/**
 * `channels`: `approverChannels` for the functions that request or escalate approvals, the only
 * events that email people; `slackChannels` for the others (votes counted, gates closed or timed
 * out), which update Slack messages only. A function given by name, so a bundle holds only its own.
 */
export function createApprovalFunctionDeps(
  config: Config,
  channels: (config: Config, parts: NotifierParts) => NamedNotifier[],
  doc: DynamoDBDocumentClient = createDynamoDocument(config),
): ApprovalFunctionDeps {
  const { logger, log } = createLogging(config);
  const now = Date.now;
  const secrets = createSecrets(config);
  const parts = { doc, secrets, log, now };
  return {
    ...createGateStores(config, doc, now),
    notifier: createNotifier(config, log, channels(config, parts)),
    directory: deployedDirectory(config),
    now,
    log,
    logger,
  };
}

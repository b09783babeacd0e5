/**
 * What the functions that open, escalate, time out and drain gates share: the approval stores,
 * the engine that waits on the gates' task tokens, the directory and the approvers' channels.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NamedNotifier } from '../adapters/composite-notifier.ts';
import { SfnWorkflowEngine } from '../adapters/sfn-workflow-engine.ts';
import { createDynamoDocument, createSfnClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { deployedDirectory } from './deployed-config.ts';
import { createGateStores } from './gates.ts';
import { createLogging } from './logging.ts';
import { createNotifier, type NotifierParts } from './notifier.ts';
import { createSecrets } from './secrets.ts';

export type ApprovalFunctionDeps = Pick<
  AppDeps,
  'gates' | 'votes' | 'audit' | 'engine' | 'notifier' | 'directory' | 'now' | 'log' | 'logger'
>;

/** The SDK clients a function may share with what it adds to these deps (one client per service). */
export interface SharedClients {
  doc: DynamoDBDocumentClient;
  sfn: SFNClient;
}

/**
 * `channels`: `approverChannels` for the functions that request or escalate approvals, the only
 * events that email people; `slackChannels` for the others (votes counted, gates closed or timed
 * out), which update Slack messages only. A function given by name, so a bundle holds only its own.
 */
export function createApprovalFunctionDeps(
  config: Config,
  channels: (config: Config, parts: NotifierParts) => NamedNotifier[],
  clients: SharedClients = { doc: createDynamoDocument(config), sfn: createSfnClient(config) },
): ApprovalFunctionDeps {
  const { logger, log } = createLogging(config);
  const { doc, sfn } = clients;
  const now = Date.now;
  const secrets = createSecrets(config);
  const parts = { doc, secrets, log, now };
  return {
    ...createGateStores(config, doc, now),
    engine: new SfnWorkflowEngine(sfn),
    notifier: createNotifier(config, log, channels(config, parts)),
    directory: deployedDirectory(config),
    now,
    log,
    logger,
  };
}

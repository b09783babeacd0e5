/** slack-interactions' deps: the approval stores, the engine, the directory, the secrets (signing secret, bot token). */
import { LogNotifier } from '../adapters/log-notifier.ts';
import { SfnWorkflowEngine } from '../adapters/sfn-workflow-engine.ts';
import { createDynamoDocument, createSfnClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { deployedDirectory } from '../wiring/deployed-config.ts';
import { createGateStores } from '../wiring/gates.ts';
import { createLogging } from '../wiring/logging.ts';
import { createSecrets } from '../wiring/secrets.ts';
import { createInteractionSlackApi } from '../wiring/slack.ts';

export type SlackFunctionDeps = Pick<
  AppDeps,
  'gates' | 'votes' | 'audit' | 'engine' | 'notifier' | 'directory' | 'now' | 'log' | 'secrets' | 'slackApi'
>;

export function createSlackFunctionDeps(config: Config): SlackFunctionDeps {
  const { log } = createLogging(config);
  const doc = createDynamoDocument(config);
  const now = Date.now;
  const secrets = createSecrets(config);
  return {
    ...createGateStores(config, doc, now),
    engine: new SfnWorkflowEngine(createSfnClient(config)),
    // Its votes notify nobody before the ack: the drainer sends what they owe (voteEffects 'outbox').
    notifier: new LogNotifier(log),
    directory: deployedDirectory(config),
    now,
    log,
    secrets,
    slackApi: createInteractionSlackApi(config, { doc, secrets, log, now }),
  };
}

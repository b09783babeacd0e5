/**
 * slack-interactions' deps: the gate and vote stores, the directory (with people's last sign-ins
 * when it maps IdP groups), the secrets (signing secret, bot token) and the Slack Web API. No
 * engine, notifier or audit log: its votes leave what they owe in the gate's outbox for the
 * drainer, so its role may neither send task tokens nor write the audit trail.
 */
import { DynamoDbGateStore } from '../adapters/dynamodb-gate-store.ts';
import { DynamoDbVoteStore } from '../adapters/dynamodb-vote-store.ts';
import { createDynamoDocument } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { deployedDirectory } from '../wiring/deployed-config.ts';
import { identitiesFor } from '../wiring/identities.ts';
import { createLogging } from '../wiring/logging.ts';
import { createSecrets } from '../wiring/secrets.ts';
import { createInteractionSlackApi } from '../wiring/slack.ts';

export type SlackFunctionDeps = Pick<
  AppDeps,
  'config' | 'gates' | 'votes' | 'directory' | 'now' | 'log' | 'secrets' | 'slackApi'
> &
  Partial<Pick<AppDeps, 'identities'>>;

export function createSlackFunctionDeps(config: Config): SlackFunctionDeps {
  const { log } = createLogging(config);
  const doc = createDynamoDocument(config);
  const now = Date.now;
  const secrets = createSecrets(config);
  return {
    gates: new DynamoDbGateStore(doc, config.tables.gates),
    votes: new DynamoDbVoteStore(doc, config.tables.gates),
    directory: deployedDirectory(config),
    // A vote is checked against the voter's last sign-in when the directory maps IdP groups.
    ...identitiesFor(config, doc),
    now,
    log,
    secrets,
    slackApi: createInteractionSlackApi(config, { secrets, now }),
    config,
  };
}

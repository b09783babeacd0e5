/**
 * run-ended's deps: the runs table (runs, project locks and ad-hoc freezes), the freeze windows, the deployed workflows (which
 * projects a run locks), what cancelling a gate of an ended run takes (gates, audit, notifier), and
 * GitHub reporting (a run's check shows it waiting for its locks, planning, and how it ended).
 */

import { DynamoDbDriftCheckStore } from '../adapters/dynamodb-drift-check-store.ts';
import { DynamoDbFreezeStore } from '../adapters/dynamodb-freeze-store.ts';
import { DynamoDbLockStore } from '../adapters/dynamodb-lock-store.ts';
import { DynamoDbRunStore } from '../adapters/dynamodb-run-store.ts';
import { SfnRunEngine } from '../adapters/sfn-run-engine.ts';
import { createDynamoDocument, createSfnClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { deployedDirectory, deployedFreezes, deployedWorkflows } from '../wiring/deployed-config.ts';
import { createGateStores } from '../wiring/gates.ts';
import { createGitHubReportDeps } from '../wiring/github.ts';
import { createLogging } from '../wiring/logging.ts';
import { createNotifier, slackChannel } from '../wiring/notifier.ts';
import { createSecrets } from '../wiring/secrets.ts';
import { createSourceResolver } from '../wiring/stores.ts';

export type RunEndedDeps = Pick<
  AppDeps,
  | 'runs'
  | 'locks'
  | 'audit'
  | 'gates'
  | 'workflows'
  | 'notifier'
  | 'now'
  | 'log'
  | 'logger'
  | 'githubReporting'
  | 'freezes'
  | 'freezeWindows'
  | 'config'
  | 'driftChecks'
  | 'runEngine'
  | 'directory'
  | 'source'
>;

export function createRunEndedDeps(config: Config): RunEndedDeps {
  const { logger, log } = createLogging(config);
  const doc = createDynamoDocument(config);
  const now = Date.now;
  const secrets = createSecrets(config);
  const { gates, audit } = createGateStores(config, doc, now);
  return {
    config,
    runs: new DynamoDbRunStore(doc, config.tables.runs),
    locks: new DynamoDbLockStore(doc, config.tables.runs),
    freezes: new DynamoDbFreezeStore(doc, config.tables.runs, now),
    freezeWindows: deployedFreezes(config),
    // A drift check's record and, on drift, its fix-up run (started as the triggers start runs).
    driftChecks: new DynamoDbDriftCheckStore(doc, config.tables.runs),
    runEngine: new SfnRunEngine(createSfnClient(config)),
    directory: deployedDirectory(config),
    source: createSourceResolver(config),
    audit,
    gates,
    workflows: deployedWorkflows(config),
    notifier: createNotifier(config, log, [slackChannel(config, { doc, secrets, log, now })]),
    now,
    log,
    logger,
    githubReporting: createGitHubReportDeps(config, { doc, secrets, log, now }),
  };
}

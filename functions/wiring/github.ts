/**
 * GitHub reporting for the functions that move a run (request-approval, record-timeout,
 * resume-gate, run-ended): the GitHub App's API, built on first use from its secrets, and the
 * report store. Only these functions import it, so only their bundles hold the GitHub code.
 */
import type { NamedNotifier } from '../adapters/composite-notifier.ts';
import { DynamoDbAuditLog } from '../adapters/dynamodb-audit-log.ts';
import { DynamoDbGateStore } from '../adapters/dynamodb-gate-store.ts';
import { DynamoDbGitHubReportStore } from '../adapters/dynamodb-github-report-store.ts';
import { DynamoDbRunStore } from '../adapters/dynamodb-run-store.ts';
import { FetchGitHubApi } from '../adapters/fetch-github-api.ts';
import { GitHubNotifier } from '../adapters/github-notifier.ts';
import type { Config } from '../config.ts';
import type { GitHubApi } from '../core/github/github-api.ts';
import type { GitHubReportDeps } from '../core/github/report-run-to-github.ts';
import type { Secrets } from '../core/ports.ts';
import type { NotifierParts } from './notifier.ts';

/** The secrets holding the GitHub App's id and private key (PEM). */
export const GITHUB_APP_SECRETS = { appId: 'github-app-id', privateKey: 'github-app-private-key' } as const;

/**
 * The app's API, or undefined while its secrets are unset (then nothing is reported). Built again
 * when a secret changes (a rotated key), so its token cache never outlives the key.
 */
export function githubConnector(config: Pick<Config, 'githubApiUrl'>, secrets: Secrets) {
  let current: { key: string; api: GitHubApi } | undefined;
  return async (): Promise<GitHubApi | undefined> => {
    const [appId, privateKey] = await Promise.all([
      secrets.get(GITHUB_APP_SECRETS.appId),
      secrets.get(GITHUB_APP_SECRETS.privateKey),
    ]);
    if (!appId || !privateKey) return undefined;
    const key = `${appId}\n${privateKey}`;
    if (current?.key !== key) {
      current = { key, api: new FetchGitHubApi({ appId, privateKey }, config.githubApiUrl) };
    }
    return current.api;
  };
}

/** What reporting a run needs, on the runs, gates and audit tables. */
export function createGitHubReportDeps(config: Config, parts: NotifierParts): GitHubReportDeps {
  const { doc, secrets, log, now } = parts;
  return {
    runs: new DynamoDbRunStore(doc, config.tables.runs),
    gates: new DynamoDbGateStore(doc, config.tables.gates),
    githubReports: new DynamoDbGitHubReportStore(doc, config.tables.runs),
    github: githubConnector(config, secrets),
    audit: new DynamoDbAuditLog(doc, config.tables.audit, now),
    config,
    now,
    log,
  };
}

/** The GitHub channel: gate changes update the run's check run and comment. */
export function githubChannel(config: Config, parts: NotifierParts): NamedNotifier {
  return { name: 'github', notifier: new GitHubNotifier(createGitHubReportDeps(config, parts)) };
}

/** A function's channels with GitHub added. */
export function withGitHub(channels: (config: Config, parts: NotifierParts) => NamedNotifier[]) {
  return (config: Config, parts: NotifierParts): NamedNotifier[] => [
    ...channels(config, parts),
    githubChannel(config, parts),
  ];
}

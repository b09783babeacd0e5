/**
 * The approvers' channels behind one notifier: the log, CloudWatch metrics (AWS only), email
 * (SES) and Slack. Each function takes the channels it sends on, and with them only their clients.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CompositeNotifier, type NamedNotifier } from '../adapters/composite-notifier.ts';
import { LogNotifier } from '../adapters/log-notifier.ts';
import { MetricsNotifier } from '../adapters/metrics-notifier.ts';
import { SesEmailNotifier } from '../adapters/ses-email-notifier.ts';
import { createSlackAdapters } from '../adapters/slack-adapters.ts';
import { createSesClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { Clock, LogPort, Secrets } from '../core/ports.ts';

export interface NotifierParts {
  doc: DynamoDBDocumentClient;
  secrets: Secrets;
  log: LogPort;
  now: Clock;
}

/** Email: only a gate's request and its escalations email people (the SES notifier's other events are no-ops). */
export function emailChannel(config: Config, parts: NotifierParts): NamedNotifier {
  const { secrets, log, now } = parts;
  return {
    name: 'email',
    notifier: new SesEmailNotifier({ ses: createSesClient(config), config, secrets, now, log }),
  };
}

/** Slack: the request, and every change to the gate's messages after it. */
export function slackChannel(config: Config, parts: NotifierParts): NamedNotifier {
  const { doc, secrets, log, now } = parts;
  return {
    name: 'slack',
    notifier: createSlackAdapters({
      secrets,
      doc,
      gatesTable: config.tables.gates,
      publicUrl: config.publicUrl,
      ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
      ...(config.slackDefaultChannel ? { defaultChannel: config.slackDefaultChannel } : {}),
      log,
      now,
    }).notifier,
  };
}

/** Slack only: what the functions that count votes, close gates or time them out send. */
export function slackChannels(config: Config, parts: NotifierParts): NamedNotifier[] {
  return [slackChannel(config, parts)];
}

/** Email and Slack: what the functions that request approvals and escalate them send. */
export function approverChannels(config: Config, parts: NotifierParts): NamedNotifier[] {
  return [emailChannel(config, parts), slackChannel(config, parts)];
}

/** The log, metrics in AWS (locally they would only be noise on the console), then the channels. */
export function createNotifier(config: Config, log: LogPort, channels: NamedNotifier[]): CompositeNotifier {
  const metrics: NamedNotifier[] = config.local ? [] : [{ name: 'metrics', notifier: new MetricsNotifier() }];
  return new CompositeNotifier(
    [{ name: 'log', notifier: new LogNotifier(log) }, ...metrics, ...channels],
    log,
  );
}

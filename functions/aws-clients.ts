/**
 * The one factory for every AWS SDK client: region, endpoint and credentials come from config,
 * so the local runtime and the tests point the same adapters at emulators.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config, Endpoints } from './config.ts';

/** Every SDK client signoff uses. */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  /** Document client over `dynamodb`: plain JS values, undefined members dropped. */
  doc: DynamoDBDocumentClient;
  sfn: SFNClient;
  scheduler: SchedulerClient;
  ses: SESv2Client;
  s3: S3Client;
  secrets: SecretsManagerClient;
  /** CloudWatch Logs: the web function reads build logs (GetLogEvents). */
  logs: CloudWatchLogsClient;
}

/** Fixed credentials for emulators, which accept any. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Options shared by every client for one service. */
function clientOptions(
  config: Pick<Config, 'region' | 'endpoints' | 'localCredentials' | 'credentials'>,
  service: keyof Endpoints,
) {
  const endpoint = config.endpoints[service];
  const credentials = config.credentials ?? (config.localCredentials ? LOCAL_CREDENTIALS : undefined);
  return {
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** The document client options every DynamoDB adapter relies on. */
export function createDocumentClient(dynamodb: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

/** Builds every SDK client once (call at cold start). */
export function createAwsClients(
  config: Pick<Config, 'region' | 'endpoints' | 'localCredentials' | 'credentials'>,
): AwsClients {
  const dynamodb = new DynamoDBClient(clientOptions(config, 'dynamodb'));
  return {
    dynamodb,
    doc: createDocumentClient(dynamodb),
    sfn: new SFNClient(clientOptions(config, 'sfn')),
    scheduler: new SchedulerClient(clientOptions(config, 'scheduler')),
    ses: new SESv2Client(clientOptions(config, 'ses')),
    s3: new S3Client({
      ...clientOptions(config, 's3'),
      ...(config.endpoints.s3 ? { forcePathStyle: true } : {}),
    }),
    secrets: new SecretsManagerClient(clientOptions(config, 'secretsManager')),
    logs: new CloudWatchLogsClient(clientOptions(config, 'logs')),
  };
}

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
function clientOptions(config: ClientConfig, service: keyof Endpoints) {
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

/** What a client factory reads from config. */
type ClientConfig = Pick<Config, 'region' | 'endpoints' | 'localCredentials' | 'credentials'>;

/**
 * One factory per service, so a handler's composition imports only the clients it uses (the SDK
 * packages declare no side effects, so esbuild drops the rest).
 */
export function createDynamoDbClient(config: ClientConfig): DynamoDBClient {
  return new DynamoDBClient(clientOptions(config, 'dynamodb'));
}

/** The DynamoDB document client, over its own DynamoDB client. */
export function createDynamoDocument(config: ClientConfig): DynamoDBDocumentClient {
  return createDocumentClient(createDynamoDbClient(config));
}

export function createSfnClient(config: ClientConfig): SFNClient {
  return new SFNClient(clientOptions(config, 'sfn'));
}

export function createSchedulerClient(config: ClientConfig): SchedulerClient {
  return new SchedulerClient(clientOptions(config, 'scheduler'));
}

export function createSesClient(config: ClientConfig): SESv2Client {
  return new SESv2Client(clientOptions(config, 'ses'));
}

export function createS3Client(config: ClientConfig): S3Client {
  return new S3Client({
    ...clientOptions(config, 's3'),
    ...(config.endpoints.s3 ? { forcePathStyle: true } : {}),
  });
}

export function createSecretsClient(config: ClientConfig): SecretsManagerClient {
  return new SecretsManagerClient(clientOptions(config, 'secretsManager'));
}

export function createLogsClient(config: ClientConfig): CloudWatchLogsClient {
  return new CloudWatchLogsClient(clientOptions(config, 'logs'));
}

/** Builds every SDK client once (the local runtime and the tests, which wire everything). */
export function createAwsClients(config: ClientConfig): AwsClients {
  const dynamodb = createDynamoDbClient(config);
  return {
    dynamodb,
    doc: createDocumentClient(dynamodb),
    sfn: createSfnClient(config),
    scheduler: createSchedulerClient(config),
    ses: createSesClient(config),
    s3: createS3Client(config),
    secrets: createSecretsClient(config),
    logs: createLogsClient(config),
  };
}

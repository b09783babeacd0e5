/**
 * Factories for the adapters that differ between AWS and the local runtime: plan artifacts, build
 * logs, the commit a run builds. Each takes its SDK client, or builds it when not given one.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { S3Client } from '@aws-sdk/client-s3';
import { CloudWatchBuildLogReader } from '../adapters/cloudwatch-build-log-reader.ts';
import { FileBuildLogReader } from '../adapters/file-build-log-reader.ts';
import { FsArtifactStore } from '../adapters/fs-artifact-store.ts';
import { S3ArtifactStore } from '../adapters/s3-artifact-store.ts';
import { createLogsClient, createS3Client } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { ArtifactStore, BuildLogReader, Secrets } from '../core/ports.ts';
import { remoteRepositorySource, type SourceResolver, snapshotSource } from '../core/runs/source.ts';

/** Plans and build outputs: S3 in AWS, a folder locally. */
export function createArtifactStore(config: Config, s3?: S3Client): ArtifactStore {
  return config.artifacts.kind === 's3'
    ? new S3ArtifactStore(s3 ?? createS3Client(config), config.artifacts.bucket)
    : new FsArtifactStore(config.artifacts.dir);
}

/** Build logs: CloudWatch Logs in AWS, the build runner's files locally. */
export function createBuildLogReader(config: Config, logs?: CloudWatchLogsClient): BuildLogReader {
  return config.buildLogs.kind === 'cloudwatch'
    ? new CloudWatchBuildLogReader(logs ?? createLogsClient(config), config.buildLogs.groups)
    : new FileBuildLogReader(config.buildLogs.dir);
}

/** The commit a run builds: the configured repository's, or the deploy-time snapshot. */
export function createSourceResolver(config: Config): SourceResolver {
  return config.source.kind === 'repository' ? remoteRepositorySource(config.source) : snapshotSource;
}

/**
 * signoff's secrets the web function may read (infra/functions.ts), masked wherever a build log
 * shows them. A secret that cannot be read fails the request rather than show a log unmasked.
 */
const LOG_MASKED_SECRETS = ['slack-bot-token', 'link-signing-key'] as const;

/** The secret values masked in build logs, and any more the caller knows of. */
export function logSecretsOf(secrets: Secrets, more: readonly string[] = []): () => Promise<string[]> {
  return async () => {
    const values = await Promise.all(LOG_MASKED_SECRETS.map((name) => secrets.get(name)));
    return [...values.filter((v): v is string => v !== undefined), ...more];
  };
}

/**
 * The build runner's command line, run by infra/buildspec.yml in CodeBuild and by the
 * local runtime: `node --import tsx functions/core/build/main.ts`. Artifacts go to the S3
 * bucket SIGNOFF_ARTIFACTS_BUCKET, or to the directory SIGNOFF_ARTIFACTS_DIR.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { FsArtifactStore } from '../../adapters/fs-artifact-store.ts';
import { S3ArtifactStore } from '../../adapters/s3-artifact-store.ts';
import type { ArtifactStore } from '../ports.ts';
import { RUNNER_ENV } from './build-settings.ts';
import { BUILD_EXIT, runBuild } from './run-build.ts';

function createArtifactStore(env: NodeJS.ProcessEnv): ArtifactStore | undefined {
  const bucket = env[RUNNER_ENV.artifactsBucket];
  if (bucket) {
    // An endpoint override (an S3 emulator in the tests) needs path-style addressing, as the functions' clients use.
    const endpoint = env[RUNNER_ENV.s3Endpoint];
    const client = new S3Client(endpoint ? { endpoint, forcePathStyle: true } : {});
    return new S3ArtifactStore(client, bucket);
  }
  const dir = env[RUNNER_ENV.artifactsDir];
  return dir ? new FsArtifactStore(dir) : undefined;
}

const artifacts = createArtifactStore(process.env);
if (!artifacts) {
  console.error(`signoff build: set ${RUNNER_ENV.artifactsBucket} or ${RUNNER_ENV.artifactsDir}`);
  process.exit(BUILD_EXIT.badSettings);
}
const result = await runBuild(process.env, {
  artifacts,
  rootDir: process.cwd(),
  echo: (text) => process.stdout.write(text),
  now: () => new Date(),
});
if (result.code !== BUILD_EXIT.ok) console.error(`signoff build: ${result.message}`);
process.exitCode = result.code;

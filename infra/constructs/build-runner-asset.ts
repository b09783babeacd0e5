/**
 * The build runner as a synth-time S3 asset: one esbuild bundle of functions/core/build/main.ts
 * (see bundling.ts), so a build copies one file and runs it with Node.js instead of running
 * `npm ci` and tsx. It is its own asset, not part of the build source, so the runner stays the
 * one that was deployed whatever source a build checks out.
 */
import { join } from 'node:path';
import { AssetHashType, BundlingOutput, DockerImage } from 'aws-cdk-lib';
import {
  type BuildEnvironmentVariable,
  BuildEnvironmentVariableType,
  type Project,
} from 'aws-cdk-lib/aws-codebuild';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { BUILD_RUNNER_FILE, buildRunnerOptions } from './bundling.ts';

/** Where the runner asset comes from. */
export interface BuildRunnerAssetProps {
  projectRoot: string;
}

/** The runner bundle in the CDK assets bucket, and what a CodeBuild project needs to fetch it. */
export class BuildRunnerAsset extends Construct {
  readonly asset: Asset;

  constructor(scope: Construct, id: string, props: BuildRunnerAssetProps) {
    super(scope, id);
    this.asset = new Asset(this, 'Bundle', {
      // The folder of the entry point; the hash is the bundle's own (OUTPUT), so a change in any
      // file it imports makes a new object.
      path: join(props.projectRoot, 'functions', 'core', 'build'),
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never used: esbuild is a dependency of the app, so bundling always happens locally.
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
        outputType: BundlingOutput.SINGLE_FILE,
        local: {
          tryBundle(outputDir) {
            buildSync(buildRunnerOptions(props.projectRoot, join(outputDir, BUILD_RUNNER_FILE)));
            return true;
          },
        },
      },
    });
  }

  /** SIGNOFF_RUNNER_BUCKET and SIGNOFF_RUNNER_KEY: the object infra/fetch-runner.sh copies. */
  get environmentVariables(): Record<string, BuildEnvironmentVariable> {
    return {
      SIGNOFF_RUNNER_BUCKET: {
        type: BuildEnvironmentVariableType.PLAINTEXT,
        value: this.asset.s3BucketName,
      },
      SIGNOFF_RUNNER_KEY: {
        type: BuildEnvironmentVariableType.PLAINTEXT,
        value: this.asset.s3ObjectKey,
      },
    };
  }

  /** Lets the project's role read the runner object, and no other object of the assets bucket. */
  grantRead(project: Project): void {
    project.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.asset.bucket.arnForObjects(this.asset.s3ObjectKey)],
      }),
    );
  }
}

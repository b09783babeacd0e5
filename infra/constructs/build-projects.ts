/**
 * One CodeBuild project per IaC project in `config/projects.yaml`, running `infra/buildspec.yml`
 * on the repository as it was at `cdk deploy` (an S3 asset of the project directory), so a
 * run plans and applies exactly the code and settings that were deployed with the workflows.
 */
import { ArnFormat, Duration, IgnoreMode, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  BuildEnvironmentVariableType,
  BuildSpec,
  Cache,
  ComputeType,
  LinuxBuildImage,
  LocalCacheMode,
  Project,
  Source,
} from 'aws-cdk-lib/aws-codebuild';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import type { Project as IacProject } from '../../statemachines/schema.ts';
import { ArtifactsBucket } from './artifacts-bucket.ts';
import { BuildRunnerAsset } from './build-runner-asset.ts';
import { acknowledge, acknowledgeWildcardAction, acknowledgeWildcardResource } from './nag.ts';

/** What the build source leaves out of the project directory (.gitignore syntax). */
export const SOURCE_EXCLUDES = [
  '.git/',
  'node_modules/',
  // Provider plugins are downloaded again by `terraform init` in the build.
  '.terraform/',
  '/cdk.out/',
  '/.signoff/',
  '/test-results/',
  '/test/',
  '/bench/',
  '*.log',
];

/** What the build projects are made from. */
export interface BuildProjectsProps {
  projectRoot: string;
  projects: IacProject[];
  /** Prefix of each CodeBuild project's name (`signoff-` -> `signoff-example-site`). */
  namePrefix: string;
  artifacts: IBucket;
  /** IaC project -> role ARN to run its builds as (the role that may change that infrastructure). */
  roleArns: Record<string, string>;
  /** IaC project -> build image; default: the AWS CodeBuild standard image. */
  images: Record<string, string>;
  /** IaC project -> longest iac step timeout in seconds (the project's build timeout). */
  timeoutSeconds: Map<string, number>;
}

/** The CodeBuild projects, by IaC project name. */
export class BuildProjects extends Construct {
  readonly projects = new Map<string, Project>();

  constructor(scope: Construct, id: string, props: BuildProjectsProps) {
    super(scope, id);
    const source = new Asset(this, 'Source', {
      path: props.projectRoot,
      exclude: SOURCE_EXCLUDES,
      ignoreMode: IgnoreMode.GIT,
    });
    const runner = new BuildRunnerAsset(this, 'Runner', { projectRoot: props.projectRoot });
    const artifactKeys = props.artifacts.arnForObjects(`${ArtifactsBucket.RUNS_PREFIX}*`);
    for (const iac of props.projects) {
      const roleArn = props.roleArns[iac.name];
      const role: IRole = roleArn
        ? Role.fromRoleArn(this, `${iac.name}-Role`, roleArn, { mutable: true })
        : new Role(this, `${iac.name}-Role`, {
            assumedBy: new ServicePrincipal('codebuild.amazonaws.com'),
            description: `Default build role of ${iac.name}: artifacts bucket and build logs only. It cannot change infrastructure; set signoff:buildRoleArns.${iac.name} to a role that can.`,
          });
      const image = props.images[iac.name];
      const minutes = Math.min(
        2160,
        Math.max(5, Math.ceil((props.timeoutSeconds.get(iac.name) ?? 3600) / 60)),
      );
      const logs = new LogGroup(this, `${iac.name}-Logs`, {
        retention: RetentionDays.SIX_MONTHS,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const project = new Project(this, iac.name, {
        projectName: `${props.namePrefix}${iac.name}`,
        description: `signoff plan/apply builds of the ${iac.name} IaC project`,
        source: Source.s3({ bucket: source.bucket, path: source.s3ObjectKey }),
        buildSpec: BuildSpec.fromSourceFilename('infra/buildspec.yml'),
        role,
        environment: {
          buildImage: image ? LinuxBuildImage.fromDockerRegistry(image) : LinuxBuildImage.STANDARD_7_0,
          computeType: ComputeType.SMALL,
          privileged: false,
        },
        environmentVariables: {
          SIGNOFF_ARTIFACTS_BUCKET: {
            type: BuildEnvironmentVariableType.PLAINTEXT,
            value: props.artifacts.bucketName,
          },
          ...runner.environmentVariables,
        },
        timeout: Duration.minutes(minutes),
        logging: { cloudWatch: { logGroup: logs } },
        grantReportGroupPermissions: false,
        // Providers `terraform init` downloads stay on the build host between builds: the
        // buildspec's TF_PLUGIN_CACHE_DIR is under its `cache: paths:`.
        cache: Cache.local(LocalCacheMode.CUSTOM),
      });
      runner.grantRead(project);
      project.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [artifactKeys] }),
      );
      // The apply build reads the saved plan and probes for optional keys: a missing key must
      // answer 404, not 403 (see ArtifactsBucket.listRunsStatement).
      project.addToRolePolicy(new PolicyStatement(ArtifactsBucket.listRunsStatement(props.artifacts)));
      this.projects.set(iac.name, project);
      if (image) {
        acknowledge(
          project,
          'AwsSolutions-CB5',
          `The platform team chose this image for ${iac.name} (signoff:buildImages) because it carries their IaC tools (terraform or tofu, infracost, conftest) at pinned versions.`,
        );
      }
      acknowledgeWildcardResource(
        this,
        // The log permission CodeBuild's construct always adds, besides the project's own log group.
        `${Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          resourceName: `/aws/codebuild/${project.projectName}`,
        })}:*`,
        'CodeBuild writes build logs to log streams it names per build inside the project log group.',
      );
    }
    acknowledgeWildcardResource(
      this,
      artifactKeys,
      'A build reads and writes the artifacts of the run it belongs to; object keys start with runs/<run id>/ and run ids are only known at run time.',
    );
    acknowledgeWildcardAction(
      this,
      's3:GetObject*',
      'CodeBuild downloads its source: the CDK asset zip of this deployment.',
    );
    acknowledgeWildcardAction(
      this,
      's3:GetBucket*',
      'CodeBuild downloads its source: the CDK asset zip of this deployment.',
    );
    acknowledgeWildcardAction(
      this,
      's3:List*',
      'CodeBuild downloads its source: the CDK asset zip of this deployment.',
    );
    acknowledge(
      this,
      'AwsSolutions-CB4',
      'Build output goes to the artifacts bucket (encrypted with S3-managed keys); CodeBuild uses the AWS managed key for S3 (alias/aws/s3) for anything else.',
    );
  }
}

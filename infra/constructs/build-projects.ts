/**
 * Two CodeBuild projects per IaC project in `config/projects.yaml`, `<prefix><project>-plan` and
 * `<prefix><project>-apply`, both running `infra/buildspec.yml`. Their source is the repository
 * the team names (`signoff:source`: GitHub through a CodeConnections connection, or CodeCommit),
 * checked out at the run's commit (the state machine's SourceVersion), with the buildspec the
 * stack deployed, so the commit being built cannot change how it is built. Without a
 * repository, the source is the snapshot taken at `cdk deploy` (an S3 asset of the project
 * directory), and run pages say so.
 *
 * Each runs as its own role. The plan runs repository code before anyone approved anything, so
 * its role reads the account (the AWS managed ReadOnlyAccess policy, or a role the team names)
 * and writes only the run's artifacts, its build logs and the Terraform lock file of the state
 * backend. The apply role is the one that may change the infrastructure; only the state
 * machines are granted codebuild:StartBuild on the apply project, and the apply build refuses to
 * run without the approved plan hash they pass.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Arn, ArnFormat, Duration, IgnoreMode, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  BuildEnvironmentVariableType,
  BuildSpec,
  Cache,
  type CfnProject,
  ComputeType,
  type ISource,
  LinuxBuildImage,
  LocalCacheMode,
  Project,
  Source,
} from 'aws-cdk-lib/aws-codebuild';
import { Repository } from 'aws-cdk-lib/aws-codecommit';
import { type IRole, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import type { Project as IacProject } from '../../statemachines/schema.ts';
import type { SourceSetting } from '../settings.ts';
import { ArtifactsBucket } from './artifacts-bucket.ts';
import { BuildRunnerAsset } from './build-runner-asset.ts';
import { acknowledge, acknowledgeWildcardAction, acknowledgeWildcardResource } from './nag.ts';

/** What the build source leaves out of the project directory (.gitignore syntax). */
export const SOURCE_EXCLUDES = [
  // No trailing slash: in a git worktree or submodule `.git` is a file naming a local path.
  '.git',
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
  /** IaC project -> role ARN its apply builds run as (the role that may change that infrastructure). */
  applyRoleArns: Record<string, string>;
  /** IaC project -> role ARN its plan builds run as; default: a role with ReadOnlyAccess made here. */
  planRoleArns: Record<string, string>;
  /** IaC project -> its S3 state backend, `bucket` or `bucket/key-prefix` (the plan may write the lock file). */
  stateBackends: Record<string, string>;
  /** IaC project -> build image; default: the AWS CodeBuild standard image. */
  images: Record<string, string>;
  /** The repository builds check out; default: the deploy-time snapshot. */
  source?: SourceSetting;
  /** IaC project -> longest iac step timeout in seconds (the project's build timeout). */
  timeoutSeconds: Map<string, number>;
}

/** The two actions an IaC project has, each with its own CodeBuild project and role. */
export const BUILD_ACTIONS = ['plan', 'apply'] as const;
/** One of BUILD_ACTIONS. */
export type BuildAction = (typeof BUILD_ACTIONS)[number];

/** The AWS managed policy a default plan role reads the account with. */
export const PLAN_READ_POLICY = 'ReadOnlyAccess';

/** The CodeBuild projects, by IaC project name, one per action. */
export class BuildProjects extends Construct {
  readonly projects = new Map<string, Record<BuildAction, Project>>();
  /** Each CodeBuild project's log group, by CodeBuild project name (the run pages read build logs there). */
  readonly logGroups = new Map<string, LogGroup>();

  constructor(scope: Construct, id: string, props: BuildProjectsProps) {
    super(scope, id);
    const source = this.source(props);
    const buildSpec = props.source
      ? // The deployed buildspec: a commit under review cannot change how it is built.
        BuildSpec.fromObjectToYaml(
          parse(readFileSync(join(props.projectRoot, 'infra/buildspec.yml'), 'utf8')),
        )
      : BuildSpec.fromSourceFilename('infra/buildspec.yml');
    const runner = new BuildRunnerAsset(this, 'Runner', { projectRoot: props.projectRoot });
    const artifactKeys = props.artifacts.arnForObjects(`${ArtifactsBucket.RUNS_PREFIX}*`);
    for (const iac of props.projects) {
      const roles: Record<BuildAction, IRole> = {
        plan: this.planRole(iac.name, props.planRoleArns[iac.name]),
        apply: this.applyRole(iac.name, props.applyRoleArns[iac.name]),
      };
      const image = props.images[iac.name];
      const minutes = Math.min(
        2160,
        Math.max(5, Math.ceil((props.timeoutSeconds.get(iac.name) ?? 3600) / 60)),
      );
      const built = {} as Record<BuildAction, Project>;
      for (const action of BUILD_ACTIONS) {
        const logs = new LogGroup(this, `${iac.name}-${action}-Logs`, {
          retention: RetentionDays.SIX_MONTHS,
          removalPolicy: RemovalPolicy.DESTROY,
        });
        const projectName = `${props.namePrefix}${iac.name}-${action}`;
        const project = new Project(this, `${iac.name}-${action}`, {
          projectName,
          description: `signoff ${action} builds of the ${iac.name} IaC project`,
          source,
          buildSpec,
          role: roles[action],
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
        this.logGroups.set(projectName, logs);
        if (props.source && 'github' in props.source) this.useConnection(project, props.source.connectionArn);
        runner.grantRead(project);
        this.grantArtifacts(project, action, artifactKeys, props.artifacts);
        if (action === 'plan') this.grantStateLock(project, iac.name, props.stateBackends[iac.name]);
        built[action] = project;
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
      this.projects.set(iac.name, built);
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

  /** The projects' source: the repository, or the deploy-time snapshot. */
  private source(props: BuildProjectsProps): ISource {
    const setting = props.source;
    if (!setting) {
      const snapshot = new Asset(this, 'Source', {
        path: props.projectRoot,
        exclude: SOURCE_EXCLUDES,
        ignoreMode: IgnoreMode.GIT,
      });
      return Source.s3({ bucket: snapshot.bucket, path: snapshot.s3ObjectKey });
    }
    if ('codecommit' in setting) {
      // The construct grants each project's role codecommit:GitPull on this repository.
      return Source.codeCommit({
        repository: Repository.fromRepositoryName(this, 'Repository', setting.codecommit),
        branchOrRef: setting.branch,
      });
    }
    const [owner, repo] = setting.github.split('/') as [string, string];
    return Source.gitHub({ owner, repo, branchOrRef: setting.branch, reportBuildStatus: false });
  }

  /**
   * A GitHub source read through an AWS CodeConnections connection: the project's Source.Auth
   * (CloudFormation AWS::CodeBuild::Project SourceAuth, Type CODECONNECTIONS, Resource the
   * connection ARN), and the role may use that connection and no other (CodeBuild User Guide,
   * "GitHub and GitHub Enterprise Server access with CodeConnections").
   */
  private useConnection(project: Project, connectionArn: string): void {
    (project.node.defaultChild as CfnProject).addPropertyOverride('Source.Auth', {
      Type: 'CODECONNECTIONS',
      Resource: connectionArn,
    });
    // The IAM service prefix follows the ARN's: codeconnections, or codestar-connections for
    // connections made before the rename.
    const service = Arn.split(connectionArn, ArnFormat.SLASH_RESOURCE_NAME).service;
    project.addToRolePolicy(
      new PolicyStatement({
        actions: [`${service}:UseConnection`, `${service}:GetConnection`, `${service}:GetConnectionToken`],
        resources: [connectionArn],
      }),
    );
  }

  /**
   * The role plan builds run as: the one the team names (signoff:planRoleArns), or one made here
   * that reads the account through the AWS managed ReadOnlyAccess policy. Terraform needs to read
   * every resource it refreshes, and the plan runs repository code before any approval, so it
   * gets no write access to the infrastructure.
   */
  private planRole(project: string, roleArn: string | undefined): IRole {
    if (roleArn) return Role.fromRoleArn(this, `${project}-PlanRole`, roleArn, { mutable: true });
    const role = new Role(this, `${project}-PlanRole`, {
      assumedBy: new ServicePrincipal('codebuild.amazonaws.com'),
      description: `Plan role of ${project}: reads the account (${PLAN_READ_POLICY}), writes only run artifacts, build logs and the state lock. Set signoff:planRoleArns.${project} to use your own.`,
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName(PLAN_READ_POLICY)],
    });
    acknowledge(
      role,
      `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${PLAN_READ_POLICY}]`,
      'A plan reads every resource the IaC project manages, whatever its type; the AWS managed ReadOnlyAccess policy follows new services and holds no write action. Teams that want less name their own plan role (signoff:planRoleArns).',
    );
    return role;
  }

  /**
   * The role apply builds run as: the one the team names (signoff:applyRoleArns, formerly
   * signoff:buildRoleArns), or one made here that cannot change any infrastructure.
   */
  private applyRole(project: string, roleArn: string | undefined): IRole {
    // The id of the single build role from before plan and apply were split, so an existing
    // deployment keeps that role as the apply role.
    const id = `${project}-Role`;
    if (roleArn) return Role.fromRoleArn(this, id, roleArn, { mutable: true });
    return new Role(this, id, {
      assumedBy: new ServicePrincipal('codebuild.amazonaws.com'),
      description: `Default apply role of ${project}: artifacts bucket and build logs only. It cannot change infrastructure; set signoff:applyRoleArns.${project} to a role that can.`,
    });
  }

  /**
   * A plan only writes its step's artifacts. An apply also reads the plan step's saved plan and
   * probes for optional keys: a missing key must answer 404, not 403, so it may list runs/
   * (see ArtifactsBucket.listRunsStatement).
   */
  private grantArtifacts(project: Project, action: BuildAction, runs: string, bucket: IBucket): void {
    if (action === 'plan') {
      project.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [runs] }));
      return;
    }
    project.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [runs] }),
    );
    project.addToRolePolicy(new PolicyStatement(ArtifactsBucket.listRunsStatement(bucket)));
  }

  /**
   * With the S3 backend's `use_lockfile = true`, even a plan takes the state lock: it writes and
   * then deletes `<state key>.tflock` beside the state (Terraform S3 backend, "S3 Bucket
   * Permissions"). The plan reads the state through its read policy and writes nothing else there.
   */
  private grantStateLock(project: Project, name: string, backend: string | undefined): void {
    if (!backend) return;
    const [bucket, ...prefix] = backend.split('/');
    const locks = Stack.of(this).formatArn({
      service: 's3',
      region: '',
      account: '',
      resource: bucket as string,
      // `bucket/env/prod` covers env/prod/terraform.tfstate.tflock and env/prod.tfstate.tflock alike.
      resourceName: `${prefix.join('/')}*.tflock`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    project.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [locks] }),
    );
    acknowledgeWildcardResource(
      this,
      locks,
      `Terraform names the lock file after each state key of ${name} (<key>.tflock); the plan writes and deletes only those.`,
    );
  }
}

/**
 * SignoffStack: everything signoff runs on in one AWS account. The tables, bucket, secrets,
 * scheduler, functions, HTTP API, CodeBuild projects, one state machine per workflow, and
 * the alarms and dashboard, wired together from the shared definitions of the codebase.
 */
import { Annotations, ArnFormat, CfnOutput, Duration, Fn, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { StreamViewType } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { TABLES, type TableKey } from '../functions/adapters/tables.ts';
import { type HttpFunction, ROUTES } from '../functions/routes.ts';
import { parseDuration } from '../statemachines/schema.ts';
import { ArtifactsBucket } from './constructs/artifacts-bucket.ts';
import { AuditArchiveBucket } from './constructs/audit-archive-bucket.ts';
import { BuildProjects } from './constructs/build-projects.ts';
import { LAMBDA_TASK_ROOT, writeDeployedConfig } from './constructs/bundling.ts';
import { EscalationScheduler } from './constructs/escalation-scheduler.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { SignoffFunction } from './constructs/signoff-function.ts';
import { SignoffHttpApi } from './constructs/signoff-http-api.ts';
import { SignoffSecrets } from './constructs/signoff-secrets.ts';
import { SignoffTable } from './constructs/signoff-table.ts';
import { WorkflowSchedules } from './constructs/workflow-schedules.ts';
import { WorkflowStateMachine } from './constructs/workflow-state-machine.ts';
import { grantNeeds } from './function-permissions.ts';
import {
  deployedFunctions,
  entryOf,
  type FunctionName,
  type FunctionNeeds,
  type FunctionSpec,
  IDENTITY_READERS,
  STATE_MACHINE_FUNCTIONS,
} from './functions.ts';
import { GATES_STREAM_MAPPING, GATES_SWEEP_MINUTES, OWES, OWING_MARKERS } from './gates-stream.ts';
import type { SignoffSettings } from './settings.ts';
import { buildProjectPlaceholders, fixUpWorkflows, type SynthWorkspace } from './workflows.ts';

/** What the stack is built from. */
export interface SignoffStackProps extends StackProps {
  /** The repository root: functions, workflows, config, package-lock.json. */
  projectRoot: string;
  settings: SignoffSettings;
  workspace: SynthWorkspace;
}

/** The identity provider's client secret, which the signin function alone reads (functions/core/auth/oidc.ts). */
export const OIDC_CLIENT_SECRET = 'oidc-client-secret';

/** Secrets created empty, filled in after the deploy (besides the http steps' own and the identity provider's). */
export const USER_SECRETS = [
  'slack-bot-token',
  'slack-signing-secret',
  'deployments-slack-webhook',
  'github-app-id',
  'github-app-private-key',
];

/** What the GitHub App reporting runs needs, as GitHub names the permissions. */
export const GITHUB_APP_PERMISSIONS =
  'Checks: Read and write; Pull requests: Read and write; Metadata: Read-only';
/** Secrets generated at deploy (besides one per webhook-triggered workflow). */
export const GENERATED_SECRETS = ['link-signing-key', 'github-webhook-secret'];

/** The tag on every table and bucket, valued with `signoff:name`, to find them after a delete. */
export const RETAINED_TAG = 'signoff:deployment';

/**
 * The first 8 hex digits of the stack id's UUID: new on every stack creation, the same on every
 * update. Names that stay taken after a rollback or delete carry it, so a retry does not collide.
 */
export function deploymentIdOf(stack: Stack): string {
  return Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', stack.stackId))));
}

/** The signoff deployment. */
export class SignoffStack extends Stack {
  /** Changes with every stack creation (see deploymentIdOf); a token until deploy time. */
  readonly deploymentId: string;
  readonly functions = new Map<FunctionName, SignoffFunction>();
  readonly stateMachines = new Map<string, WorkflowStateMachine>();
  readonly tables: Record<TableKey, SignoffTable>;
  readonly api: SignoffHttpApi;
  /** A workflow's state machine ARN is this prefix plus the workflow name. */
  readonly stateMachineArnPrefix: string;

  constructor(scope: Construct, id: string, props: SignoffStackProps) {
    super(scope, id, props);
    const { settings, workspace, projectRoot } = props;
    const prefix = `${settings.name}-`;
    this.deploymentId = deploymentIdOf(this);
    for (const deprecation of settings.deprecations) {
      Annotations.of(this).addWarningV2('signoff:deprecated-setting', deprecation);
    }
    // Deleted secrets keep their names for Secrets Manager's recovery window (7-30 days), so a
    // retried first deploy after a rollback, or a deploy after `cdk destroy`, needs new ones.
    const secretsPrefix = `${settings.name}/${this.deploymentId}/`;
    // Deleting a schedule group finishes asynchronously (EventBridge Scheduler API Reference,
    // DeleteScheduleGroup), so a retry right after a rollback could find the name still taken.
    const scheduleGroup = `${settings.name}-${this.deploymentId}`;

    this.tables = Object.fromEntries(
      (Object.keys(TABLES) as TableKey[]).map((key) => [
        key,
        new SignoffTable(
          this,
          TABLES[key].logicalId,
          TABLES[key],
          // The gates' stream wakes the drainer when a gate owes something (below).
          key === 'gates' ? { stream: StreamViewType.NEW_IMAGE } : {},
        ),
      ]),
    ) as Record<TableKey, SignoffTable>;
    const artifacts = new ArtifactsBucket(this, 'Artifacts', {
      retentionDays: settings.artifactRetentionDays,
    });
    const auditArchive = new AuditArchiveBucket(this, 'AuditArchive', {
      retentionDays: settings.auditRetentionDays,
      accessLogs: artifacts.accessLogs,
    });
    // Tables and buckets are retained on delete (and after a failed first deploy) under names
    // CloudFormation generates; the tag finds every one a deployment name left behind.
    for (const retained of [...Object.values(this.tables), artifacts, auditArchive]) {
      Tags.of(retained).add(RETAINED_TAG, settings.name);
    }
    const userSecrets = [
      ...USER_SECRETS,
      ...(settings.oidc ? [OIDC_CLIENT_SECRET] : []),
      ...workspace.workflowSecrets.http,
    ].filter((name, i, all) => all.indexOf(name) === i);
    const secrets = new SignoffSecrets(this, 'Secrets', {
      prefix: secretsPrefix,
      generated: [...GENERATED_SECRETS, ...workspace.workflowSecrets.webhook],
      filledByUser: userSecrets,
    });
    const sender = new EmailIdentity(this, 'Sender', { identity: Identity.email(settings.emailFrom) });
    const senderDomain = settings.emailFrom.split('@')[1] as string;

    this.stateMachineArnPrefix = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: prefix,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const stateMachineNames = workspace.workflows.map((w) => `${prefix}${w.workflow.name}`);
    const arnOf = (resource: string, name: string) =>
      this.formatArn({
        service: 'states',
        resource,
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const escalateName = `${prefix}escalate`;
    const scheduler = new EscalationScheduler(this, 'Escalations', {
      groupName: scheduleGroup,
      escalateFunctionArn: this.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: escalateName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    });
    this.api = new SignoffHttpApi(this, 'Http', { apiName: settings.name });
    const publicUrl = settings.publicUrl ?? this.api.url;

    const environment: Record<string, string> = {
      SIGNOFF_GATES_TABLE: this.tables.gates.table.tableName,
      SIGNOFF_AUDIT_TABLE: this.tables.audit.table.tableName,
      SIGNOFF_RUNS_TABLE: this.tables.runs.table.tableName,
      SIGNOFF_AUTH_TABLE: this.tables.auth.table.tableName,
      SIGNOFF_STATE_MACHINE_ARN_PREFIX: this.stateMachineArnPrefix,
      SIGNOFF_PUBLIC_URL: publicUrl,
      SIGNOFF_ARTIFACTS_BUCKET: artifacts.bucket.bucketName,
      SIGNOFF_AUDIT_ARCHIVE_BUCKET: auditArchive.bucket.bucketName,
      SIGNOFF_SECRETS_PREFIX: secretsPrefix,
      SIGNOFF_EMAIL_FROM: settings.emailFrom,
      SIGNOFF_SCHEDULER: 'eventbridge',
      SIGNOFF_ESCALATE_FUNCTION_ARN: scheduler.escalateFunctionArn,
      SIGNOFF_SCHEDULER_ROLE_ARN: scheduler.role.roleArn,
      SIGNOFF_SCHEDULE_GROUP: scheduleGroup,
      SIGNOFF_CONFIG_DIR: LAMBDA_TASK_ROOT,
      SIGNOFF_GITHUB_REPOS: settings.githubRepos.join(','),
      ...sourceEnvironment(settings),
      ...(settings.slackChannel ? { SIGNOFF_SLACK_DEFAULT_CHANNEL: settings.slackChannel } : {}),
      ...(settings.githubApiUrl ? { SIGNOFF_GITHUB_API_URL: settings.githubApiUrl } : {}),
    };
    const targets = {
      tables: this.tables,
      stateMachineArns: stateMachineNames.map((name) => arnOf('stateMachine', name)),
      executionArns: stateMachineNames.map((name) => arnOf('execution', `${name}:*`)),
      fixUpStateMachineArns: fixUpWorkflows(workspace.workflows.map((w) => w.workflow)).map((name) =>
        arnOf('stateMachine', `${prefix}${name}`),
      ),
      secrets,
      secretGroups: {
        'webhook-secrets': workspace.workflowSecrets.webhook,
        'http-step-secrets': workspace.workflowSecrets.http,
      },
      scheduler: { scheduleArns: scheduler.scheduleArns, roleArn: scheduler.role.roleArn },
      emailIdentityArns: [sender.emailIdentityArn, this.sesIdentityArn(senderDomain)],
      artifacts: artifacts.bucket,
      auditArchive: auditArchive.bucket,
    };
    const deployedConfigFile = writeDeployedConfig(workspace);
    for (const spec of deployedFunctions(settings)) {
      const fn = new SignoffFunction(this, `Fn-${spec.name}`, {
        projectRoot,
        deployedConfigFile,
        entry: entryOf(spec.name),
        functionName: `${prefix}${spec.name}`,
        description: spec.description,
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
        environment: SIGNIN_READERS.includes(spec.name)
          ? { ...environment, ...signinEnvironment(settings) }
          : environment,
        ...(spec.extraFiles ? { extraFiles: spec.extraFiles } : {}),
      });
      grantNeeds(fn, fn.role, needsIn(spec, settings, workspace), targets);
      this.functions.set(spec.name, fn);
    }
    const fn = (name: FunctionName): IFunction => (this.functions.get(name) as SignoffFunction).function;

    // A route of a function this deployment does not have (the identity-provider sign-in without
    // `signoff:oidc`) is not added: API Gateway answers it 404 before any code runs.
    const routes = ROUTES.filter((r) => this.functions.has(r.fn));
    this.api.addRoutes(routes, new Map(routes.map((r) => [r.fn, fn(r.fn)] as [HttpFunction, IFunction])));

    new Rule(this, 'RunEnded', {
      description: "When one of this stack's runs ends, record how and audit it",
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: stateMachineNames.map((name) => arnOf('stateMachine', name)),
        },
      },
      targets: [new LambdaFunction(fn('run-ended'), { retryAttempts: 4 })],
    });

    // The drainer runs as soon as a vote leaves work in a gate's outbox, or a closed gate still owes
    // its engine call: Lambda polls each stream shard 4 times per second
    // (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#dynamodb-polling-and-batching),
    // and only records whose new image carries one of the sparse index attributes invoke it; the
    // filters are ORed (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html).
    // A batch whose gates stay stuck is retried from the first failed record (reportBatchItemFailures,
    // https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html); what is
    // still owed after the retries stays on the gate for the 5-minute sweep.
    fn('resume-gate').addEventSource(
      new DynamoEventSource(this.tables.gates.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: GATES_STREAM_MAPPING.batchSize,
        bisectBatchOnError: true,
        retryAttempts: GATES_STREAM_MAPPING.retryAttempts,
        reportBatchItemFailures: true,
        filters: OWING_MARKERS.map((marker) =>
          FilterCriteria.filter({ dynamodb: { NewImage: { [marker]: { S: FilterRule.isEqual(OWES) } } } }),
        ),
      }),
    );

    new WorkflowSchedules(this, 'Schedules', {
      workflows: workspace.workflows.map((w) => w.workflow),
      target: fn('webhook'),
    });

    new Rule(this, 'ResumeGatesSweep', {
      description:
        'Every 5 minutes, behind the gates stream: finish whatever votes and closed gates still owe',
      schedule: Schedule.rate(Duration.minutes(GATES_SWEEP_MINUTES)),
      targets: [
        new LambdaFunction(fn('resume-gate'), { event: RuleTargetInput.fromObject({}), retryAttempts: 2 }),
      ],
    });

    new Rule(this, 'AuditCheckpoints', {
      description: "Anchor every run's audit chain in a checkpoint, with a locked copy in the audit archive",
      schedule: Schedule.rate(Duration.minutes(settings.auditCheckpointMinutes)),
      targets: [
        new LambdaFunction(fn('audit-checkpoint'), {
          event: RuleTargetInput.fromObject({}),
          retryAttempts: 2,
        }),
      ],
    });

    const builds = new BuildProjects(this, 'Builds', {
      projectRoot,
      projects: workspace.projects,
      namePrefix: prefix,
      artifacts: artifacts.bucket,
      applyRoleArns: settings.applyRoleArns,
      planRoleArns: settings.planRoleArns,
      stateBackends: settings.stateBackends,
      images: settings.buildImages,
      ...(settings.source ? { source: settings.source } : {}),
      timeoutSeconds: this.buildTimeouts(workspace),
    });
    this.readBuildLogs(this.functions.get('web') as SignoffFunction, builds);
    const functionTargets = new Map(
      Object.entries(STATE_MACHINE_FUNCTIONS).map(([placeholder, name]) => [placeholder, fn(name)]),
    );
    // A plan step starts the project's plan project, an apply step its apply project: each state
    // machine's role may start only the ones its workflow uses, and no other principal the stack
    // makes may start an apply project.
    const projectTargets = new Map(
      [...buildProjectPlaceholders(workspace.projects)].map(([placeholder, { project, action }]) => [
        placeholder,
        (builds.projects.get(project.name) as NonNullable<ReturnType<typeof builds.projects.get>>)[action],
      ]),
    );
    for (const compiled of workspace.workflows) {
      const machine = new WorkflowStateMachine(this, `Workflow-${compiled.workflow.name}`, {
        compiled,
        stateMachineName: `${prefix}${compiled.workflow.name}`,
        targets: { functions: functionTargets, buildProjects: projectTargets },
      });
      this.stateMachines.set(compiled.workflow.name, machine);
    }

    new Monitoring(this, 'Monitoring', {
      dashboardName: settings.name,
      functions: [...this.functions].map(([name, f]) => ({ name, fn: f.function })),
      stateMachines: [...this.stateMachines].map(([workflow, m]) => ({
        workflow,
        stateMachine: m.stateMachine,
      })),
      timeoutAlarmPercent: settings.timeoutAlarmPercent,
      failedRunsAlarmThreshold: settings.failedRunsAlarmThreshold,
      ...(settings.alarmTopicArn ? { alarmTopicArn: settings.alarmTopicArn } : {}),
    });

    const base = this.api.url;
    new CfnOutput(this, 'ApiUrl', { description: 'signoff web pages and JSON API', value: base });
    new CfnOutput(this, 'SlackInteractivityUrl', {
      description: 'Slack app > Interactivity & Shortcuts > Request URL',
      value: `${base}slack/interactions`,
    });
    new CfnOutput(this, 'GitHubWebhookUrl', {
      description: 'GitHub repository > Settings > Webhooks > Payload URL (content type application/json)',
      value: `${base}webhooks/github`,
    });
    if (settings.oidc) {
      new CfnOutput(this, 'OidcRedirectUrl', {
        description: "Register this redirect URI with your identity provider (signoff's sign-in callback)",
        // The signin function makes the same URL from SIGNOFF_PUBLIC_URL (without its trailing slash).
        value: settings.publicUrl
          ? `${settings.publicUrl}/signin/oidc/callback`
          : `${base}signin/oidc/callback`,
      });
    }
    new CfnOutput(this, 'StateMachineArnPrefix', { value: this.stateMachineArnPrefix });
    new CfnOutput(this, 'AuditArchiveBucketName', {
      description: `Locked copies of the audit checkpoints (S3 Object Lock, compliance mode, ${settings.auditRetentionDays} days)`,
      value: auditArchive.bucket.bucketName,
    });
    new CfnOutput(this, 'AuthTableName', {
      description: 'For signoff token create --user EMAIL --table <this>',
      value: this.tables.auth.table.tableName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${settings.name}`,
    });
    new CfnOutput(this, 'SecretsPrefix', {
      description:
        'Every signoff secret is named with this prefix: <prefix>github-webhook-secret, <prefix>slack-bot-token, ...',
      value: secretsPrefix,
    });
    new CfnOutput(this, 'GitHubAppPermissions', {
      description:
        "The GitHub App's repository permissions (its id and private key go in the secrets github-app-id and github-app-private-key)",
      value: GITHUB_APP_PERMISSIONS,
    });
    new CfnOutput(this, 'SecretsToFill', {
      description: 'Put these values after the deploy (aws secretsmanager put-secret-value)',
      value: userSecrets.map((name) => `${secretsPrefix}${name}`).join(' '),
    });
  }

  /** The SES identity ARN for an address or domain. */
  private sesIdentityArn(identity: string): string {
    return this.formatArn({ service: 'ses', resource: 'identity', resourceName: identity });
  }

  /** Each IaC project's longest iac step timeout, in seconds. */
  /**
   * The run pages show build logs: the web function learns each CodeBuild project's log group
   * (SIGNOFF_BUILD_LOG_GROUPS) and may call logs:GetLogEvents on those groups' streams, nothing else.
   */
  private readBuildLogs(web: SignoffFunction, builds: BuildProjects): void {
    const groups = [...builds.logGroups];
    web.function.addEnvironment(
      'SIGNOFF_BUILD_LOG_GROUPS',
      this.toJsonString(Object.fromEntries(groups.map(([project, group]) => [project, group.logGroupName]))),
    );
    if (groups.length === 0) return;
    web.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:GetLogEvents'],
        resources: groups.map(([, group]) => group.logGroupArn),
      }),
    );
  }

  private buildTimeouts(workspace: SynthWorkspace): Map<string, number> {
    const timeouts = new Map<string, number>();
    for (const { workflow } of workspace.workflows) {
      for (const step of workflow.steps) {
        if (step.type !== 'iac') continue;
        timeouts.set(step.project, Math.max(timeouts.get(step.project) ?? 0, parseDuration(step.timeout)));
      }
    }
    return timeouts;
  }
}

/** The repository the functions pin runs to (functions/config.ts), when one is configured. */
function sourceEnvironment(settings: SignoffSettings): Record<string, string> {
  const source = settings.source;
  if (!source) return {};
  return {
    SIGNOFF_SOURCE_REPOSITORY: 'github' in source ? source.github : source.codecommit,
    SIGNOFF_SOURCE_BRANCH: source.branch,
  };
}

/** The functions that show or run the sign-in (functions/config.ts: `oidc`, `emailSignin`). */
const SIGNIN_READERS: readonly FunctionName[] = ['web', 'signin'];

/** How people sign in, as the web and signin functions read it (functions/config.ts). */
function signinEnvironment(settings: SignoffSettings): Record<string, string> {
  const oidc = settings.oidc;
  const optional = (name: string, value: string | boolean | undefined) =>
    value === undefined ? {} : { [name]: String(value) };
  return {
    SIGNOFF_EMAIL_SIGNIN: String(settings.emailSignin),
    ...(oidc
      ? {
          SIGNOFF_OIDC_ISSUER: oidc.issuer,
          SIGNOFF_OIDC_CLIENT_ID: oidc.clientId,
          ...optional('SIGNOFF_OIDC_NAME', oidc.name),
          ...optional('SIGNOFF_OIDC_SCOPES', oidc.scopes),
          ...optional('SIGNOFF_OIDC_GROUPS_CLAIM', oidc.groupsClaim),
          ...optional('SIGNOFF_OIDC_EMAIL_CLAIM', oidc.emailClaim),
          ...optional('SIGNOFF_OIDC_REQUIRE_EMAIL_VERIFIED', oidc.requireEmailVerified),
        }
      : {}),
  };
}

/** What a function needs in this deployment: its spec's needs, as the settings and the directory change them. */
function needsIn(spec: FunctionSpec, settings: SignoffSettings, workspace: SynthWorkspace): FunctionNeeds {
  let needs = spec.needs;
  // With a repository, summarize-step records the commit the first build of a run started from a
  // branch resolved (RunStore.pinCommit): one conditional UpdateItem on the runs table.
  if (settings.source && spec.name === 'summarize-step') {
    needs = { ...needs, tables: { ...needs.tables, runs: 'readwrite' } };
  }
  // A directory that maps IdP groups is read with people's last sign-ins (identity records in the
  // auth table) wherever approvers are resolved or a vote is checked.
  if (workspace.directory.idp && IDENTITY_READERS.includes(spec.name) && !needs.tables.auth) {
    needs = { ...needs, tables: { ...needs.tables, auth: 'read' } };
  }
  // There, an admin may revoke a person's record (`signoff directory sync --revoke`): an UpdateItem
  // of the record and a DeleteItem of each of their sessions, through the api function.
  if (workspace.directory.idp && spec.name === 'api') {
    needs = { ...needs, tables: { ...needs.tables, auth: 'full' } };
  }
  // The web function emails sign-in links and nothing else: without them it sends no email.
  if (spec.name === 'web' && !settings.emailSignin) {
    const { sendsEmail: _, ...rest } = needs;
    needs = rest;
  }
  return needs;
}

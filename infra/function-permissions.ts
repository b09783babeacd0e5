/**
 * Turns a function's declared needs (infra/functions.ts) into IAM statements on its role,
 * each on named resources; the few wildcards left are acknowledged with the reason.
 */
import { type IPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { CHECKPOINTS_PREFIX } from '../functions/adapters/s3-checkpoint-archive.ts';
import type { TableKey } from '../functions/adapters/tables.ts';
import { ArtifactsBucket } from './constructs/artifacts-bucket.ts';
import { AuditArchiveBucket } from './constructs/audit-archive-bucket.ts';
import { acknowledgeWildcardResource } from './constructs/nag.ts';
import type { SignoffSecrets } from './constructs/signoff-secrets.ts';
import type { SignoffTable } from './constructs/signoff-table.ts';
import type { FunctionNeeds, SecretNeed } from './functions.ts';

/**
 * DynamoDB actions per access level. Only `take` and `full` delete; the audit table never gets more
 * than `append`. Reads are GetItem and Query only: signoff makes no batch reads and no
 * transactions (one conditional write per fact), so BatchGetItem and ConditionCheckItem stay off.
 */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  append: ['dynamodb:PutItem'],
  /** Changes existing items only (summarize-step records the commit a run's first build resolved). */
  update: ['dynamodb:UpdateItem'],
  /** Records put once and used up by deleting them (the identity-provider sign-in's state). */
  take: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
  readwrite: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  full: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
} as const;

/** Everything a function's needs can point at. */
export interface PermissionTargets {
  tables: Record<TableKey, SignoffTable>;
  /** ARNs of this stack's state machines. */
  stateMachineArns: string[];
  /** ARN patterns of their executions (`...:execution:<state machine>:*`). */
  executionArns: string[];
  /** ARNs of the state machines of the workflows drift checks start as fix-ups (`fix_with`). */
  fixUpStateMachineArns: string[];
  secrets: SignoffSecrets;
  /** The secret names the per-workflow secret groups expand to. */
  secretGroups: Record<Extract<SecretNeed, 'webhook-secrets' | 'http-step-secrets'>, string[]>;
  scheduler: { scheduleArns: string; roleArn: string };
  /** ARNs of the SES identities the sender address may be verified as (address and domain). */
  emailIdentityArns: string[];
  artifacts: IBucket;
  auditArchive: IBucket;
}

/** The secret names a list of needs expands to. */
export function secretNames(needs: SecretNeed[], groups: PermissionTargets['secretGroups']): string[] {
  const names = needs.flatMap((need) =>
    need === 'webhook-secrets' || need === 'http-step-secrets' ? groups[need] : [need],
  );
  return [...new Set(names)].sort();
}

/** Adds the statements for `needs` to the principal's policy; `scope` carries the acknowledgements. */
export function grantNeeds(
  scope: IConstruct,
  principal: IPrincipal,
  needs: FunctionNeeds,
  targets: PermissionTargets,
): void {
  const allow = (actions: readonly string[], resources: string[], conditions?: Record<string, unknown>) => {
    if (resources.length === 0) return;
    principal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...actions], resources, ...(conditions ? { conditions } : {}) }),
    );
  };

  for (const [key, access] of Object.entries(needs.tables) as [TableKey, keyof typeof TABLE_ACTIONS][]) {
    if (key === 'audit' && access !== 'read' && access !== 'append') {
      throw new Error(`internal: the audit table is append-only, not ${access}`);
    }
    const { table, indexArns } = targets.tables[key];
    const actions =
      access === 'read' ? TABLE_ACTIONS.read : [...TABLE_ACTIONS.read, ...TABLE_ACTIONS[access]];
    allow(actions, [table.tableArn, ...indexArns]);
  }

  allow(
    ['secretsmanager:GetSecretValue'],
    secretNames(needs.secrets, targets.secretGroups).map((name) => targets.secrets.arnOf(name)),
  );

  if (needs.taskTokens) allow(['states:SendTaskSuccess', 'states:SendTaskFailure'], targets.stateMachineArns);
  const executions = needs.executions ?? {};
  if (executions.start) allow(['states:StartExecution'], targets.stateMachineArns);
  if (needs.startsFixUpRuns) allow(['states:StartExecution'], targets.fixUpStateMachineArns);
  const onExecutions = [
    ...(executions.describe ? ['states:DescribeExecution'] : []),
    ...(executions.history ? ['states:GetExecutionHistory'] : []),
    ...(executions.stop ? ['states:StopExecution'] : []),
  ];
  if (onExecutions.length > 0) {
    allow(onExecutions, targets.executionArns);
    for (const arn of targets.executionArns) {
      acknowledgeWildcardResource(
        scope,
        arn,
        "Executions are named by run ids made at run time; the pattern is limited to this stack's state machines.",
      );
    }
  }

  if (needs.schedulesEscalations) {
    allow(['scheduler:CreateSchedule'], [targets.scheduler.scheduleArns]);
    allow(['iam:PassRole'], [targets.scheduler.roleArn], {
      StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
    acknowledgeWildcardResource(
      scope,
      targets.scheduler.scheduleArns,
      "One-time escalation schedules are named per gate and level at run time; the pattern is limited to signoff's own schedule group.",
    );
  }

  if (needs.sendsEmail) allow(['ses:SendEmail'], targets.emailIdentityArns);

  if (needs.artifacts) {
    const objects = targets.artifacts.arnForObjects(`${ArtifactsBucket.RUNS_PREFIX}*`);
    allow(needs.artifacts === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject'], [objects]);
    const listing = ArtifactsBucket.listRunsStatement(targets.artifacts);
    allow(listing.actions, listing.resources, listing.conditions);
    acknowledgeWildcardResource(
      scope,
      objects,
      'Run artifacts are keyed runs/<run id>/<step id>/..., made at run time; access is limited to that prefix of the artifacts bucket.',
    );
  }

  if (needs.auditArchive) {
    const statements: ReturnType<typeof AuditArchiveBucket.readStatements> =
      needs.auditArchive === 'write'
        ? [AuditArchiveBucket.writeStatement(targets.auditArchive)]
        : AuditArchiveBucket.readStatements(targets.auditArchive);
    for (const s of statements) allow(s.actions, s.resources, s.conditions);
    acknowledgeWildcardResource(
      scope,
      targets.auditArchive.arnForObjects(`${CHECKPOINTS_PREFIX}*`),
      'Checkpoints are keyed checkpoints/<number>.json, numbered at run time; access is limited to that prefix of the audit archive.',
    );
  }
}

/**
 * Deploys a synthesized signoff template into moto, as CloudFormation would: the tables,
 * buckets, secrets, SES identity and schedule group it declares, with the names CloudFormation
 * would give them, and one moto IAM user per IAM role holding exactly that role's statements.
 * Every function then calls AWS with its own role's credentials.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { IamStatement } from './iam-policy.ts';
import {
  type Deployment,
  type PhysicalResource,
  resolve,
  resolveString,
  UnresolvedError,
} from './intrinsics.ts';
import { type Credentials, MOTO_ACCOUNT, MOTO_REGION } from './moto.ts';

type CfnResource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Resources: Record<string, CfnResource> };

/** One function as the template deploys it. */
export interface DeployedFunction {
  name: string;
  arn: string;
  role: string;
  /** Its environment variables, resolved. */
  env: Record<string, string>;
}

/** One CodeBuild project as the template deploys it. */
export interface DeployedProject {
  name: string;
  arn: string;
  role: string;
  env: Record<string, string>;
}

/** One state machine as the template deploys it: its definition with the substitutions made. */
export interface DeployedStateMachine {
  name: string;
  arn: string;
  role: string;
  definition: Record<string, unknown>;
}

/** The template, deployed into moto. */
export interface AwsWorld {
  deployment: Deployment;
  /** Role logical id -> its resolved Allow/Deny statements. */
  statements: Map<string, IamStatement[]>;
  /** Role logical id -> the moto user's credentials. */
  credentials: Map<string, Credentials>;
  /** Access key id -> role logical id. */
  roleOfKey: Map<string, string>;
  functions: Map<string, DeployedFunction>;
  projects: Map<string, DeployedProject>;
  stateMachines: Map<string, DeployedStateMachine>;
  /** Secret name -> ARN. */
  secrets: Map<string, string>;
}

/** Values a person fills in after the deploy, by the end of the secret's name. */
export type SecretValues = Record<string, string>;

const rand = (n = 12) => randomBytes(n).toString('hex').slice(0, n).toUpperCase();
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Deploys `template` into moto with the administrator's credentials. */
export async function deployTemplate(
  template: Template,
  moto: { endpoint: string; admin: Credentials },
  secretValues: SecretValues,
  stackName = 'SignoffStack',
): Promise<AwsWorld> {
  const base = { region: MOTO_REGION, endpoint: moto.endpoint, credentials: moto.admin };
  const clients = {
    dynamodb: new DynamoDBClient(base),
    s3: new S3Client({ ...base, forcePathStyle: true }),
    secrets: new SecretsManagerClient(base),
    ses: new SESv2Client(base),
    scheduler: new SchedulerClient(base),
    iam: new IAMClient(base),
  };
  const arn = (service: string, resource: string, region = MOTO_REGION) =>
    `arn:aws:${service}:${region}:${MOTO_ACCOUNT}:${resource}`;
  const deployment: Deployment = {
    pseudo: {
      'AWS::Region': MOTO_REGION,
      'AWS::AccountId': MOTO_ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
      'AWS::StackId': arn('cloudformation', `stack/${stackName}/${randomUUID()}`),
    },
    resources: new Map(),
  };
  const secrets = new Map<string, string>();
  const str = (value: unknown) => resolveString(deployment, value);

  // One resource made in moto (or only named, for kinds the tests do not call), returning what
  // Ref and Fn::GetAtt give.
  const make = async (id: string, r: CfnResource): Promise<PhysicalResource> => {
    const p = r.Properties ?? {};
    const generated = `${stackName}-${id}-${rand()}`;
    switch (r.Type) {
      case 'AWS::DynamoDB::Table': {
        const name = p.TableName ? str(p.TableName) : generated;
        const gsis = list(p.GlobalSecondaryIndexes as GlobalSecondaryIndex[] | undefined);
        const stream = p.StreamSpecification as { StreamViewType: StreamViewType } | undefined;
        const made = await clients.dynamodb.send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: p.KeySchema as never,
            AttributeDefinitions: p.AttributeDefinitions as AttributeDefinition[],
            BillingMode: 'PAY_PER_REQUEST',
            ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
            ...(stream
              ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } }
              : {}),
          }),
        );
        const streamArn = made.TableDescription?.LatestStreamArn;
        return {
          ref: name,
          attributes: {
            Arn: arn('dynamodb', `table/${name}`),
            ...(streamArn ? { StreamArn: streamArn } : {}),
          },
        };
      }
      case 'AWS::S3::Bucket': {
        const name = p.BucketName ? str(p.BucketName) : generated.toLowerCase().slice(0, 63);
        // Object Lock can only be turned on when the bucket is created (x-amz-bucket-object-lock-enabled),
        // and then takes its default retention (Amazon S3 User Guide, "Configuring S3 Object Lock").
        const locked = p.ObjectLockEnabled === true;
        await clients.s3.send(
          new CreateBucketCommand({ Bucket: name, ...(locked ? { ObjectLockEnabledForBucket: true } : {}) }),
        );
        if (locked && p.ObjectLockConfiguration) {
          await clients.s3.send(
            new PutObjectLockConfigurationCommand({
              Bucket: name,
              ObjectLockConfiguration: p.ObjectLockConfiguration as never,
            }),
          );
        }
        return {
          ref: name,
          attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` },
        };
      }
      case 'AWS::SecretsManager::Secret': {
        const name = p.Name ? str(p.Name) : `${id}-${rand()}`;
        const filled = Object.entries(secretValues).find(([suffix]) => name.endsWith(suffix))?.[1];
        const value = p.GenerateSecretString ? rand(64) : (filled ?? (p.SecretString as string | undefined));
        const out = await clients.secrets.send(
          new CreateSecretCommand({ Name: name, ...(value !== undefined ? { SecretString: value } : {}) }),
        );
        secrets.set(name, out.ARN as string);
        return { ref: out.ARN as string, attributes: { Id: out.ARN as string } };
      }
      case 'AWS::SES::EmailIdentity': {
        const identity = str(p.EmailIdentity);
        await clients.ses.send(new CreateEmailIdentityCommand({ EmailIdentity: identity }));
        return { ref: identity };
      }
      case 'AWS::Scheduler::ScheduleGroup': {
        const name = p.Name ? str(p.Name) : generated;
        await clients.scheduler.send(new CreateScheduleGroupCommand({ Name: name }));
        return { ref: name, attributes: { Arn: arn('scheduler', `schedule-group/${name}`) } };
      }
      case 'AWS::IAM::Role': {
        const name = p.RoleName ? str(p.RoleName) : generated.slice(0, 64);
        return { ref: name, attributes: { Arn: `arn:aws:iam::${MOTO_ACCOUNT}:role/${name}` } };
      }
      case 'AWS::Lambda::Function': {
        const name = p.FunctionName ? str(p.FunctionName) : generated.slice(0, 64);
        return { ref: name, attributes: { Arn: arn('lambda', `function:${name}`) } };
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = p.StateMachineName ? str(p.StateMachineName) : generated;
        const machineArn = arn('states', `stateMachine:${name}`);
        return { ref: machineArn, attributes: { Arn: machineArn, Name: name } };
      }
      case 'AWS::CodeBuild::Project': {
        const name = p.Name ? str(p.Name) : generated;
        return { ref: name, attributes: { Arn: arn('codebuild', `project/${name}`) } };
      }
      case 'AWS::Logs::LogGroup': {
        const name = p.LogGroupName ? str(p.LogGroupName) : generated;
        return { ref: name, attributes: { Arn: arn('logs', `log-group:${name}:*`) } };
      }
      case 'AWS::Events::Rule': {
        const name = p.Name ? str(p.Name) : generated;
        return { ref: name, attributes: { Arn: arn('events', `rule/${name}`) } };
      }
      case 'AWS::ApiGatewayV2::Api': {
        const id = rand(10).toLowerCase();
        return {
          ref: id,
          attributes: { ApiEndpoint: `https://${id}.execute-api.${MOTO_REGION}.amazonaws.com` },
        };
      }
      default:
        return { ref: `${id}-${rand(6)}` };
    }
  };

  // CloudFormation orders creation by references; here: retry what could not be resolved yet.
  let pending = Object.entries(template.Resources);
  while (pending.length > 0) {
    const next: typeof pending = [];
    for (const [id, r] of pending) {
      try {
        deployment.resources.set(id, await make(id, r));
      } catch (error) {
        if (error instanceof UnresolvedError) next.push([id, r]);
        else
          throw new Error(`deploying ${id} (${r.Type}) into moto failed: ${String(error)}`, { cause: error });
      }
    }
    if (next.length === pending.length) {
      throw new Error(`cannot resolve references of: ${next.map(([id]) => id).join(', ')}`);
    }
    pending = next;
  }

  const statements = collectStatements(template, deployment);
  const credentials = new Map<string, Credentials>();
  const roleOfKey = new Map<string, string>();
  for (const [role, roleStatements] of statements) {
    const user = `role-${role}`.slice(0, 64);
    await clients.iam.send(new CreateUserCommand({ UserName: user }));
    let n = 0;
    for (const statement of roleStatements) {
      await clients.iam.send(
        new PutUserPolicyCommand({
          UserName: user,
          PolicyName: `statement-${n++}`,
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [forMoto(statement)] }),
        }),
      );
    }
    const key = (await clients.iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    const creds = {
      accessKeyId: key?.AccessKeyId as string,
      secretAccessKey: key?.SecretAccessKey as string,
    };
    credentials.set(role, creds);
    roleOfKey.set(creds.accessKeyId, role);
  }

  const roleOf = (value: unknown): string => roleKey(value);
  const functions = new Map<string, DeployedFunction>();
  const projects = new Map<string, DeployedProject>();
  const stateMachines = new Map<string, DeployedStateMachine>();
  for (const [id, r] of Object.entries(template.Resources)) {
    const p = r.Properties ?? {};
    const made = deployment.resources.get(id) as PhysicalResource;
    if (r.Type === 'AWS::Lambda::Function') {
      const env = resolve(deployment, (p.Environment as { Variables?: unknown })?.Variables ?? {});
      functions.set(made.ref, {
        name: made.ref,
        arn: made.attributes?.Arn as string,
        role: roleOf(p.Role),
        env: env as Record<string, string>,
      });
    } else if (r.Type === 'AWS::CodeBuild::Project') {
      const vars = (p.Environment as { EnvironmentVariables?: { Name: string; Value: unknown }[] })
        .EnvironmentVariables;
      projects.set(made.ref, {
        name: made.ref,
        arn: made.attributes?.Arn as string,
        role: roleOf(p.ServiceRole),
        env: Object.fromEntries((vars ?? []).map((v) => [v.Name, str(v.Value)])),
      });
    } else if (r.Type === 'AWS::StepFunctions::StateMachine') {
      let text = str(p.DefinitionString);
      const subs = resolve(deployment, p.DefinitionSubstitutions ?? {}) as Record<string, string>;
      text = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => subs[name] ?? whole);
      stateMachines.set(made.attributes?.Name as string, {
        name: made.attributes?.Name as string,
        arn: made.ref,
        role: roleOf(p.RoleArn),
        definition: JSON.parse(text) as Record<string, unknown>,
      });
    }
  }
  for (const client of Object.values(clients)) client.destroy();
  return { deployment, statements, credentials, roleOfKey, functions, projects, stateMachines, secrets };
}

/**
 * How a role is known: its logical id when the stack makes it (Ref, Fn::GetAtt), its name when
 * it is an existing role the settings name (`signoff:buildRoleArns`).
 */
function roleKey(value: unknown): string {
  if (typeof value === 'string') return value.split(':role/').pop() as string;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: string[] };
  const key = v.Ref ?? v['Fn::GetAtt']?.[0];
  if (!key) throw new Error(`expected a role, got ${JSON.stringify(value)}`);
  return key;
}

/** Every role's statements: its inline policies and the AWS::IAM::Policy resources attached to it. */
function collectStatements(template: Template, deployment: Deployment): Map<string, IamStatement[]> {
  const out = new Map<string, IamStatement[]>();
  const add = (role: string, doc: unknown) => {
    const resolved = resolve(deployment, doc) as { Statement?: IamStatement | IamStatement[] };
    out.set(role, [...(out.get(role) ?? []), ...list(resolved.Statement)]);
  };
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    out.set(id, []);
    for (const p of list(r.Properties?.Policies as { PolicyDocument: unknown }[] | undefined))
      add(id, p.PolicyDocument);
  }
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    for (const role of list(r.Properties?.Roles)) add(roleKey(role), r.Properties?.PolicyDocument);
  }
  return out;
}

/**
 * The statement as moto can evaluate it: moto checks resources only for S3 and no conditions, so
 * other services' statements are given to moto by action (Resource "*") and the contract tests'
 * proxy checks their resources and conditions (iam-policy.ts).
 */
function forMoto(statement: IamStatement): IamStatement {
  const actions = list(statement.Action);
  const s3Only = actions.every((a) => a.toLowerCase().startsWith('s3:'));
  return {
    Effect: statement.Effect,
    Action: statement.Action,
    Resource: s3Only ? statement.Resource : '*',
  };
}

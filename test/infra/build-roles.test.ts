/**
 * Plan and apply run as different roles: the plan build, which runs repository code before any
 * approval, may read the account but write only its artifacts, its build logs and the Terraform
 * state lock; only the state machines may start an apply build.
 */
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadExamples } from '../support/examples.ts';
import { allStatements, type Statement, synthSignoff } from './synth.ts';

const workspace = loadExamples();
const projects = workspace.projects.projects.map((p) => p.name);

let template: Template;
let statements: Statement[];

beforeAll(() => {
  // The test settings name an existing plan and apply role for example-database; the other
  // projects get the roles the stack makes. example-site keeps its state in S3.
  template = synthSignoff({
    bundle: false,
    context: { 'signoff:stateBackends': { 'example-site': 'acme-tf-state/site' } },
  }).template;
  statements = allStatements(template);
}, 120_000);

type Resource = { Properties: Record<string, any> };
const resources = (type: string) => template.findResources(type) as Record<string, Resource>;

/** The build project of a project's action: its logical id, name and role as statements name it. */
function buildProject(project: string, action: 'plan' | 'apply') {
  const name = `signoff-${project}-${action}`;
  const found = Object.entries(resources('AWS::CodeBuild::Project')).find(
    ([, p]) => p.Properties.Name === name,
  );
  if (!found) throw new Error(`no CodeBuild project ${name}`);
  const [id, p] = found;
  const role = p.Properties.ServiceRole;
  return {
    id,
    name,
    roleId: typeof role === 'string' ? undefined : (role['Fn::GetAtt'][0] as string),
    role: typeof role === 'string' ? (role.split(':role/').pop() as string) : `<${role['Fn::GetAtt'][0]}>`,
  };
}

/** IAM wildcard matching (`*`, `?`), case-insensitive as IAM compares actions. */
const matches = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(value);

const READ = /^[a-z0-9-]+:(Get|List|Describe|BatchGet)[A-Za-z]*\*?$/;

describe('the plan build role', () => {
  it('is its own role, never the apply role', () => {
    for (const project of projects) {
      expect(buildProject(project, 'plan').role, project).not.toBe(buildProject(project, 'apply').role);
    }
    expect(buildProject('example-database', 'plan').role).toBe('database-reader');
    expect(buildProject('example-database', 'apply').role).toBe('database-deployer');
  });

  it('reads the account through ReadOnlyAccess and holds no other managed policy', () => {
    const roles = resources('AWS::IAM::Role');
    for (const project of projects.filter((p) => p !== 'example-database')) {
      const { roleId } = buildProject(project, 'plan');
      expect(roles[roleId as string]?.Properties.ManagedPolicyArns, project).toEqual([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/ReadOnlyAccess']] },
      ]);
      expect(roles[roleId as string]?.Properties.Policies, project).toBeUndefined();
    }
  });

  it('writes nothing but its run artifacts, its build logs and the state lock file', () => {
    const bucket = `<${Object.keys(resources('AWS::S3::Bucket')).find((id) => id.startsWith('ArtifactsBucket'))}.Arn>`;
    for (const project of projects) {
      const plan = buildProject(project, 'plan');
      const logs = [
        `<${Object.keys(resources('AWS::Logs::LogGroup')).find((id) => id.startsWith(plan.id.replace(/[0-9A-F]{8}$/, 'Logs')))}.Arn>`,
        `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<${plan.id}>`,
        `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<${plan.id}>:*`,
      ];
      const writes: string[] = [];
      for (const s of statements.filter((s) => s.roles.includes(plan.role))) {
        for (const action of s.actions.filter((a) => !READ.test(a))) {
          const allowed = (resource: string) =>
            (/^logs:(CreateLogGroup|CreateLogStream|PutLogEvents)$/.test(action) &&
              logs.includes(resource)) ||
            (action === 's3:PutObject' && resource === `${bucket}/runs/*`) ||
            (/^s3:(PutObject|DeleteObject)$/.test(action) &&
              project === 'example-site' &&
              resource === 'arn:<AWS::Partition>:s3:::acme-tf-state/site*.tflock');
          for (const resource of s.resources.filter((r) => !allowed(r)))
            writes.push(`${action} on ${resource}`);
        }
      }
      expect(writes, project).toEqual([]);
    }
  });

  it('may take the lock of the state backend the settings name, and only that', () => {
    const locks = statements.filter((s) => s.resources.some((r) => r.endsWith('.tflock')));
    expect(locks).toEqual([
      expect.objectContaining({
        roles: [buildProject('example-site', 'plan').role],
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: ['arn:<AWS::Partition>:s3:::acme-tf-state/site*.tflock'],
      }),
    ]);
  });
});

describe('the apply build', () => {
  it('can be started by no principal but the state machines', () => {
    const machineRoles = Object.values(resources('AWS::StepFunctions::StateMachine')).map(
      (m) => `<${m.Properties.RoleArn['Fn::GetAtt'][0]}>`,
    );
    const applies = projects.map((p) => buildProject(p, 'apply'));
    const arnOf = (id: string) => `<${id}.Arn>`;
    const example = (name: string) => `arn:aws:codebuild:us-east-1:123456789012:project/${name}`;
    const startsAnApply = (s: Statement) =>
      s.actions.some((a) => matches(a, 'codebuild:StartBuild')) &&
      s.resources.some((r) =>
        applies.some((p) => r === arnOf(p.id) || (!r.startsWith('<') && matches(r, example(p.name)))),
      );
    const starters = [...new Set(statements.filter(startsAnApply).flatMap((s) => s.roles))];
    expect(starters.length).toBeGreaterThan(0);
    expect(starters.filter((role) => !machineRoles.includes(role))).toEqual([]);
    // No policy of another kind (managed policies, users, groups) is made by the stack.
    for (const type of ['AWS::IAM::ManagedPolicy', 'AWS::IAM::User', 'AWS::IAM::Group'])
      expect(Object.keys(resources(type)), type).toEqual([]);
  });

  it('is started by a state machine only for its workflow apply steps, the plan project for plan steps', () => {
    const machines = Object.values(resources('AWS::StepFunctions::StateMachine'));
    for (const { workflow } of workspace.workflows) {
      const machine = machines.find((m) => m.Properties.StateMachineName === `signoff-${workflow.name}`);
      const role = `<${machine?.Properties.RoleArn['Fn::GetAtt'][0]}>`;
      const started = statements
        .filter((s) => s.roles.includes(role) && s.actions.includes('codebuild:StartBuild'))
        .flatMap((s) => s.resources);
      const expected = workflow.steps.flatMap((s) =>
        s.type === 'iac' ? [`<${buildProject(s.project, s.action).id}.Arn>`] : [],
      );
      expect(started.sort(), workflow.name).toEqual([...new Set(expected)].sort());
    }
  });
});

describe('the deprecated signoff:buildRoleArns', () => {
  it('names the apply role, never the plan role, and the synth warns about it', () => {
    const built = synthSignoff({
      bundle: false,
      context: {
        'signoff:applyRoleArns': {},
        'signoff:planRoleArns': {},
        'signoff:buildRoleArns': { 'example-site': 'arn:aws:iam::123456789012:role/site-deployer' },
      },
    });
    built.template.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: 'signoff-example-site-apply',
      ServiceRole: 'arn:aws:iam::123456789012:role/site-deployer',
    });
    built.template.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: 'signoff-example-site-plan',
      ServiceRole: { 'Fn::GetAtt': [Match.stringLikeRegexp('PlanRole'), 'Arn'] },
    });
    Annotations.fromStack(built.stack).hasWarning(
      '*',
      Match.stringLikeRegexp('signoff:buildRoleArns is deprecated and read as signoff:applyRoleArns'),
    );
  }, 120_000);
});

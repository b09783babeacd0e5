import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../functions/adapters/tables.ts';
import { loadConfig } from '../../functions/config.ts';
import { ROUTES } from '../../functions/routes.ts';
import { TABLE_ACTIONS } from '../../infra/function-permissions.ts';
import { deployedFunctions, STATE_MACHINE_FUNCTIONS } from '../../infra/functions.ts';
import { compileWorkflow, substitutePlaceholders } from '../../statemachines/compile.ts';
import { PLACEHOLDER } from '../../statemachines/contract.ts';
import { parseDuration } from '../../statemachines/schema.ts';
import { loadExamples } from '../support/examples.ts';
import { allStatements, logicalIdOf, render, type Statement, synthSignoff } from './synth.ts';

const workspace = loadExamples();
/** The functions of a deployment without the optional settings (TEST_CONTEXT sets none of them). */
const FUNCTIONS = deployedFunctions({});
const workflows = workspace.workflows.map((w) => w.workflow);

let template: Template;
let outdir: string;
let statements: Statement[];

beforeAll(() => {
  // One synth with real bundling for the whole file: every handler is bundled by esbuild here.
  const built = synthSignoff();
  template = built.template;
  outdir = built.outdir;
  built.app.synth();
  statements = allStatements(template);
}, 120_000);

const functionLogicalId = (name: string) =>
  logicalIdOf(template, 'AWS::Lambda::Function', { FunctionName: `signoff-${name}` });
const roleOfFunction = (name: string): string => {
  const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(name)];
  return `<${fn?.Properties.Role['Fn::GetAtt'][0]}>`;
};
const statementsOf = (name: string) => statements.filter((s) => s.roles.includes(roleOfFunction(name)));
const stateMachineArn = (workflow: string) =>
  `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:signoff-${workflow}`;

describe('SignoffStack state machines', () => {
  it('has one Standard state machine per workflow, named signoff-<workflow>', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines.map((m) => m.Properties.StateMachineName).sort()).toEqual(
      workflows.map((w) => `signoff-${w.name}`).sort(),
    );
    for (const m of machines) {
      expect(m.Properties.StateMachineType).toBe('STANDARD');
      expect(m.Properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(m.Properties.LoggingConfiguration.Level).toBe('ALL');
      expect(m.Properties.LoggingConfiguration.IncludeExecutionData).toBe(false);
    }
  });

  it('deploys the compiled definition with every placeholder resolved to the right function or project', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const functions = template.findResources('AWS::Lambda::Function');
    const projects = template.findResources('AWS::CodeBuild::Project');
    for (const workflow of workflows) {
      const [, machine] = Object.entries(machines).find(
        ([, m]) => m.Properties.StateMachineName === `signoff-${workflow.name}`,
      ) as [string, { Properties: Record<string, any> }];
      // Resolve each substitution to the resource it references, named by its physical name.
      const resolved: Record<string, string> = {};
      for (const [name, value] of Object.entries(machine.Properties.DefinitionSubstitutions as object)) {
        if (value['Fn::GetAtt']) {
          resolved[name] = `lambda:${functions[value['Fn::GetAtt'][0]]?.Properties.FunctionName}`;
        } else {
          resolved[name] = `codebuild:${projects[value.Ref]?.Properties.Name}`;
        }
      }
      const expected: Record<string, string> = {};
      for (const [placeholder, fn] of Object.entries(STATE_MACHINE_FUNCTIONS)) {
        expected[placeholder] = `lambda:signoff-${fn}`;
      }
      for (const project of workspace.projects.projects) {
        for (const action of ['plan', 'apply'] as const)
          expected[PLACEHOLDER.buildProject(project.name, action)] =
            `codebuild:signoff-${project.name}-${action}`;
      }
      const deployed = substitutePlaceholders(JSON.parse(machine.Properties.DefinitionString), resolved);
      expect(deployed).toEqual(substitutePlaceholders(compileWorkflow(workflow), expected));
    }
  });

  it('puts the run-ended function’s freeze check in front of every apply: no other state leads into an apply', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    let applies = 0;
    for (const workflow of workflows) {
      const machine = machines.find((m) => m.Properties.StateMachineName === `signoff-${workflow.name}`);
      const states = JSON.parse(machine?.Properties.DefinitionString).States as Record<string, any>;
      const into = (target: string) =>
        Object.entries(states)
          .filter(([, st]) =>
            [st.Next, st.Default, ...(st.Choices ?? []).map((c: { Next: string }) => c.Next)].includes(
              target,
            ),
          )
          .map(([name]) => name);
      for (const step of workflow.steps) {
        if (step.type !== 'iac' || step.action !== 'apply') continue;
        applies++;
        expect(into(step.id), `${workflow.name}: into ${step.id}`).toEqual([`IsFrozen.${step.id}`]);
        expect(states[`CheckFreeze.${step.id}`]).toMatchObject({
          Resource: `\${${PLACEHOLDER.runEnded}}`,
          Parameters: { kind: 'check_freeze', step_id: step.id },
        });
        expect(states[`Frozen.${step.id}`]).toMatchObject({
          Type: 'Wait',
          TimestampPath: '$.freeze.recheck_at',
          Next: `CheckFreeze.${step.id}`,
        });
      }
    }
    expect(applies).toBeGreaterThan(3);
  });

  it('waits on a task token for each approval step, its timer a minute after the deadline the workflow gives it', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    let gates = 0;
    for (const workflow of workflows) {
      const machine = machines.find((m) => m.Properties.StateMachineName === `signoff-${workflow.name}`);
      const states = JSON.parse(machine?.Properties.DefinitionString).States;
      for (const step of workflow.steps) {
        if (step.type !== 'approval') continue;
        gates++;
        expect(states[step.id].Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
        expect(states[step.id].Parameters.Payload['task_token.$']).toBe('$$.Task.Token');
        // The gate's deadline is the only clock; the engine's timer is a backstop 60 s later.
        expect(states[step.id].TimeoutSeconds).toBe(parseDuration(step.timeout) + 60);
      }
    }
    expect(gates).toBeGreaterThan(0);
  });

  it('lets each state machine invoke exactly the functions and build projects its workflow uses', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    for (const workflow of workflows) {
      const machine = Object.values(machines).find(
        (m) => m.Properties.StateMachineName === `signoff-${workflow.name}`,
      );
      const role = `<${machine?.Properties.RoleArn['Fn::GetAtt'][0]}>`;
      const mine = statements.filter((s) => s.roles.includes(role));
      const invoked = mine
        .filter((s) => s.actions.includes('lambda:InvokeFunction'))
        .flatMap((s) => s.resources);
      const placeholders = Object.keys(machine?.Properties.DefinitionSubstitutions);
      const usedFunctions = placeholders
        .filter((p) => p in STATE_MACHINE_FUNCTIONS)
        .map((p) => `<${functionLogicalId(STATE_MACHINE_FUNCTIONS[p] as string)}.Arn>`);
      expect(invoked.sort()).toEqual(usedFunctions.sort());

      const usedProjects = [
        ...new Set(workflow.steps.flatMap((s) => (s.type === 'iac' ? [`${s.project}-${s.action}`] : []))),
      ];
      const builds = mine.find((s) => s.actions.includes('codebuild:StartBuild'));
      expect(builds?.actions.sort()).toEqual([
        'codebuild:BatchGetBuilds',
        'codebuild:StartBuild',
        'codebuild:StopBuild',
      ]);
      expect(builds?.resources.sort()).toEqual(
        usedProjects
          .map((p) => `<${logicalIdOf(template, 'AWS::CodeBuild::Project', { Name: `signoff-${p}` })}.Arn>`)
          .sort(),
      );
      const events = mine.find((s) => s.actions.includes('events:PutRule'));
      expect(events?.actions.sort()).toEqual(['events:DescribeRule', 'events:PutRule', 'events:PutTargets']);
      expect(events?.resources).toEqual([
        'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/StepFunctionsGetEventForCodeBuildStartBuildRule',
      ]);
    }
  });
});

describe('SignoffStack functions', () => {
  it('deploys every handler folder as a Node.js 22 arm64 function with X-Ray tracing', () => {
    for (const spec of FUNCTIONS) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `signoff-${spec.name}`,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        MemorySize: spec.memoryMb,
        Timeout: spec.timeoutSeconds,
      });
    }
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(FUNCTIONS.length);
  });

  it('gives every function the environment loadConfig needs for AWS', () => {
    for (const spec of FUNCTIONS) {
      const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(spec.name)];
      const env = Object.fromEntries(
        Object.entries(fn?.Properties.Environment.Variables as Record<string, unknown>).map(([k, v]) => [
          k,
          render(v),
        ]),
      );
      const config = loadConfig({ ...env, AWS_LAMBDA_FUNCTION_NAME: `signoff-${spec.name}` });
      expect(config.scheduler).toEqual({
        kind: 'eventbridge',
        targetArn: 'arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:signoff-escalate',
        roleArn: expect.stringMatching(/^<Escalations.*\.Arn>$/),
        groupName: 'signoff-<DeploymentId>',
      });
      expect(config.artifacts.kind).toBe('s3');
      expect(config.secrets).toEqual({ kind: 'aws', prefix: 'signoff/<DeploymentId>/' });
      expect(config.configDir).toBe('/var/task');
      expect(config.stateMachineArnPrefix).toBe(stateMachineArn(''));
      expect(config.emailFrom).toBe('signoff@acme.com');
      expect(config.publicUrl).toMatch(/^https:\/\/<Http.*>\.execute-api\./);
      expect(config.tables.audit).toMatch(/^<AuditTable/);
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('signoff');
      expect(env.SIGNOFF_SLACK_DEFAULT_CHANNEL).toBe('deployments');
      // GitHub itself unless the settings name a GitHub Enterprise Server.
      expect(env.SIGNOFF_GITHUB_API_URL).toBeUndefined();
    }
  });

  it('bundles each handler minified with workflows/ and config/ beside it', () => {
    for (const spec of FUNCTIONS) {
      const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(spec.name)];
      const asset = join(outdir, fn?.Metadata['aws:asset:path']);
      expect(existsSync(join(asset, 'index.mjs')), spec.name).toBe(true);
      expect(existsSync(join(asset, 'index.mjs.map')), spec.name).toBe(true);
      expect(existsSync(join(asset, 'workflows', 'production-deploy-with-approval.yaml')), spec.name).toBe(
        true,
      );
      expect(existsSync(join(asset, 'config', 'directory.yaml')), spec.name).toBe(true);
      // What the function reads at cold start: the workflows and directory as validated at synth.
      const deployed = JSON.parse(readFileSync(join(asset, 'signoff-config.json'), 'utf8'));
      expect(
        deployed.workflows.map((w: { name: string }) => w.name),
        spec.name,
      ).toContain('production-deploy-with-approval');
      expect(deployed.directory.users.length, spec.name).toBeGreaterThan(0);
      for (const file of spec.extraFiles ?? [])
        expect(existsSync(join(asset, file)), `${spec.name}: ${file}`).toBe(true);
      // The SDK takes credentials from the environment Lambda sets, through signoff's alias of
      // the default chain; the chain's other links are not in the bundle (the source map names
      // every file in it).
      const sources: string[] = JSON.parse(readFileSync(join(asset, 'index.mjs.map'), 'utf8')).sources;
      expect(
        sources.some((s) => s.endsWith('functions/wiring/lambda-credentials.ts')),
        spec.name,
      ).toBe(true);
      expect(
        sources.filter((s) =>
          /@aws-sdk\/(credential-provider-(ini|sso|process|web-identity)|nested-clients)\//.test(s),
        ),
        spec.name,
      ).toEqual([]);
    }
    expect(FUNCTIONS.find((f) => f.name === 'web')?.extraFiles).toEqual(['web/style.css', 'web/run-logs.js']);
  });

  it('ships bundles that run: the web bundle serves its stylesheet, escalate validates its event', () => {
    const invoke = (name: string, event: unknown) => {
      const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(name)];
      const dir = join(outdir, fn?.Metadata['aws:asset:path']);
      const env = Object.fromEntries(
        Object.entries(fn?.Properties.Environment.Variables as Record<string, unknown>).map(([k, v]) => [
          k,
          render(v),
        ]),
      );
      const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)});
        try { console.log(JSON.stringify(await handler(${JSON.stringify(event)}, { awsRequestId: 'test' }))); }
        catch (error) { console.log(JSON.stringify({ thrown: error.message })); }`;
      const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        // /var/task is where Lambda unpacks the bundle; here the bundle is in cdk.out.
        env: {
          PATH: process.env.PATH,
          ...env,
          SIGNOFF_CONFIG_DIR: dir,
          // The function builds its deps as it loads, as in Lambda.
          LAMBDA_TASK_ROOT: dir,
          AWS_REGION: 'eu-west-1',
          AWS_LAMBDA_FUNCTION_NAME: `signoff-${name}`,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
      });
      expect(out.status, out.stderr).toBe(0);
      return JSON.parse(out.stdout.trim().split('\n').pop() as string);
    };
    const css = invoke('web', {
      version: '2.0',
      routeKey: 'GET /static/{file}',
      rawPath: '/static/style.css',
      rawQueryString: '',
      headers: { host: 'example.execute-api.eu-west-1.amazonaws.com' },
      pathParameters: { file: 'style.css' },
      requestContext: {
        http: { method: 'GET', path: '/static/style.css', sourceIp: '192.0.2.1' },
        routeKey: 'GET /static/{file}',
        stage: '$default',
      },
      isBase64Encoded: false,
    });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const script = invoke('web', {
      version: '2.0',
      routeKey: 'GET /static/{file}',
      rawPath: '/static/run-logs.js',
      rawQueryString: '',
      headers: { host: 'example.execute-api.eu-west-1.amazonaws.com' },
      pathParameters: { file: 'run-logs.js' },
      requestContext: {
        http: { method: 'GET', path: '/static/run-logs.js', sourceIp: '192.0.2.1' },
        routeKey: 'GET /static/{file}',
        stage: '$default',
      },
      isBase64Encoded: false,
    });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    // run-ended builds its own deps (the deployed workflows among them) before it ignores a start.
    expect(
      invoke('run-ended', {
        'detail-type': 'Step Functions Execution Status Change',
        detail: { executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:x:y', status: 'RUNNING' },
      }),
    ).toEqual({ recorded: false });
    expect(invoke('escalate', { gate_id: 'nonsense' })).toEqual({
      thrown: 'escalate expects { gate_id, index } with a gate id and a non-negative integer index',
    });
  });

  it('writes an audit checkpoint every 5 minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionLogicalId('audit-checkpoint'), 'Arn'] },
          Input: '{}',
        }),
      ],
    });
  });

  it('runs the resume-gate sweep every 5 minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [functionLogicalId('resume-gate'), 'Arn'] }, Input: '{}' }),
      ],
    });
  });
});

describe('SignoffStack drainer trigger', () => {
  const gatesTableId = () =>
    logicalIdOf(template, 'AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'gate_id', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });

  it('streams the gates table with new images, and only the gates table', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    const streamed = Object.entries(tables).filter(([, t]) => t.Properties.StreamSpecification);
    expect(streamed.map(([id]) => id)).toEqual([gatesTableId()]);
    expect(streamed[0]?.[1].Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('invokes resume-gate from the gates stream only for gates that owe something, in small batches with partial retries', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');
    expect(Object.values(mappings)).toHaveLength(1);
    const mapping = Object.values(mappings)[0]?.Properties;
    expect(mapping.FunctionName).toEqual({ Ref: functionLogicalId('resume-gate') });
    expect(mapping.EventSourceArn).toEqual({ 'Fn::GetAtt': [gatesTableId(), 'StreamArn'] });
    expect(mapping).toMatchObject({
      StartingPosition: 'LATEST',
      BatchSize: 10,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const patterns = mapping.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern));
    expect(patterns).toEqual([
      { dynamodb: { NewImage: { outbox_pending: { S: ['1'] } } } },
      { dynamodb: { NewImage: { notify_pending: { S: ['1'] } } } },
    ]);
  });

  it('lets only resume-gate read the gates stream', () => {
    const readers = statements.filter((s) => s.actions.includes('dynamodb:GetRecords'));
    expect(readers.flatMap((s) => s.roles)).toEqual([roleOfFunction('resume-gate')]);
    expect(readers.flatMap((s) => s.resources)).toEqual([`<${gatesTableId()}.StreamArn>`]);
  });
});

describe('SignoffStack IAM', () => {
  const auditArn = () =>
    `<${logicalIdOf(template, 'AWS::DynamoDB::Table', { KeySchema: Match.arrayWith([{ AttributeName: 'seq', KeyType: 'RANGE' }]) })}.Arn>`;

  it('grants nothing UpdateItem, DeleteItem or wildcards on the audit table', () => {
    const audit = auditArn();
    const onAudit = statements.filter((s) => s.resources.some((r) => r.startsWith(audit) || r === '*'));
    expect(onAudit.length).toBeGreaterThan(0);
    for (const s of onAudit) {
      for (const action of s.actions) {
        expect(action).not.toMatch(/^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|PartiQL.*|\*)$/);
        expect(action).not.toBe('*');
      }
    }
    const writers = onAudit.filter((s) => s.actions.includes('dynamodb:PutItem'));
    expect(writers.length).toBeGreaterThan(0);
  });

  it('limits SendTaskSuccess and SendTaskFailure to the stack state machines, for the gate request and the drainer only', () => {
    const machines = workflows.map((w) => stateMachineArn(w.name)).sort();
    const senders = statements.filter((s) => s.actions.some((a) => a.startsWith('states:SendTask')));
    for (const s of senders) expect(s.resources.sort()).toEqual(machines);
    const withTokens = FUNCTIONS.filter((f) => f.needs.taskTokens).map((f) => roleOfFunction(f.name));
    expect(senders.flatMap((s) => s.roles).sort()).toEqual(withTokens.sort());
    // Votes from Slack, the web and the API leave the engine call to the drainer.
    expect(FUNCTIONS.filter((f) => f.needs.taskTokens).map((f) => f.name)).toEqual([
      'request-approval',
      'resume-gate',
    ]);
  });

  it('lets only the trigger functions start executions, and inspect only their executions', () => {
    const starters = statements.filter((s) => s.actions.includes('states:StartExecution'));
    const triggers = ['api', 'github-webhook', 'webhook'].map(roleOfFunction);
    const fixUpStarters = starters.filter((s) => s.roles.includes(roleOfFunction('run-ended')));
    expect(starters.flatMap((s) => s.roles).sort()).toEqual(
      [...triggers, roleOfFunction('run-ended')].sort(),
    );
    for (const s of starters.filter((s) => !fixUpStarters.includes(s)))
      expect(s.resources.sort()).toEqual(workflows.map((w) => stateMachineArn(w.name)).sort());
    // A drift check's fix-up: run-ended may start the workflow a drift check names in fix_with,
    // and no other (the drift check workflow itself included).
    expect(fixUpStarters.map((s) => [s.actions, s.resources])).toEqual([
      [['states:StartExecution'], [stateMachineArn('production-deploy-with-approval')]],
    ]);
    const inspectors = statements.filter((s) => s.actions.includes('states:DescribeExecution'));
    // The run pages (api, web) and the sweep that closes gates of ended runs (resume-gate); the
    // triggers find a duplicate start in the runs table and never ask Step Functions.
    expect(inspectors.flatMap((s) => s.roles).sort()).toEqual(
      ['api', 'web', 'resume-gate'].map(roleOfFunction).sort(),
    );
    const historians = statements.filter((s) => s.actions.includes('states:GetExecutionHistory'));
    expect(historians.flatMap((s) => s.roles).sort()).toEqual(['api', 'web'].map(roleOfFunction).sort());
    for (const s of inspectors) {
      expect(s.resources.sort()).toEqual(
        workflows.map((w) => `${stateMachineArn(w.name).replace(':stateMachine:', ':execution:')}:*`).sort(),
      );
    }
  });

  it('reads only the secrets each function needs, by ARN', () => {
    const secretIds = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
    const readers = statements.filter((s) => s.actions.includes('secretsmanager:GetSecretValue'));
    for (const s of readers) {
      for (const r of s.resources) expect(secretIds.map((id) => `<${id}>`)).toContain(r);
    }
    const [slackSigningId] = Object.entries(template.findResources('AWS::SecretsManager::Secret')).find(
      ([, secret]) => render(secret.Properties.Name) === 'signoff/<DeploymentId>/slack-signing-secret',
    ) as [string, unknown];
    const slackSigning = `<${slackSigningId}>`;
    const canReadSlackSigning = readers
      .filter((s) => s.resources.includes(slackSigning))
      .flatMap((s) => s.roles);
    expect(canReadSlackSigning).toEqual([roleOfFunction('slack-interactions')]);
  });

  it('lets request-approval create schedules in its group and pass only the scheduler role', () => {
    const mine = statementsOf('request-approval');
    expect(mine.find((s) => s.actions.includes('scheduler:CreateSchedule'))?.resources).toEqual([
      'arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/signoff-<DeploymentId>/*',
    ]);
    const pass = mine.find((s) => s.actions.includes('iam:PassRole'));
    expect(pass?.resources).toEqual([expect.stringMatching(/^<EscalationsRole.*\.Arn>$/)]);
    expect(pass?.condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    // The role passed is the escalations' (the workflows' own schedules, such as the example drift
    // check's, have a role of their own: test/infra/workflow-schedules.test.ts).
    const schedulerRole = /^<(.*)\.Arn>$/.exec(String(pass?.resources[0]))?.[1];
    const invoke = statements.filter((s) => s.roles.includes(`<${schedulerRole}>`));
    expect(invoke).toEqual([
      expect.objectContaining({
        actions: ['lambda:InvokeFunction'],
        resources: ['arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:signoff-escalate'],
      }),
    ]);
  });

  it('lets only the notifying functions send email, from the sender identity', () => {
    const senders = statements.filter((s) => s.actions.includes('ses:SendEmail'));
    expect(senders.flatMap((s) => s.roles).sort()).toEqual(
      // Approval requests and escalations email the approvers; the web function emails sign-in links.
      (['request-approval', 'escalate', 'web'] as const).map((name) => roleOfFunction(name)).sort(),
    );
    const sender = logicalIdOf(template, 'AWS::SES::EmailIdentity', { EmailIdentity: 'signoff@acme.com' });
    for (const s of senders) {
      expect(s.resources).toEqual([
        `arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/<${sender}>`,
        'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/acme.com',
      ]);
    }
  });

  it('never grants a service-wide action or an unscoped data-plane action', () => {
    for (const s of statements) {
      for (const a of s.actions) expect(a).not.toMatch(/:\*$|^\*$/);
      if (s.resources.includes('*')) {
        // ListStreams names no resource in the IAM service authorization reference, so the
        // stream's event source mapping can only be granted it on `*`; it lists stream ARNs, no data.
        for (const a of s.actions) expect(a).toMatch(/^(xray|logs):|^dynamodb:ListStreams$/);
      }
    }
    // Table access levels never include a scan of a whole table.
    expect(Object.values(TABLE_ACTIONS).flat()).not.toContain('dynamodb:Scan');
  });
});

describe('SignoffStack data', () => {
  it('builds every table from TABLES, on demand, with PITR, deletion protection and retain', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(Object.keys(TABLES).length);
    for (const def of Object.values(TABLES)) {
      const [, table] = Object.entries(tables).find(([id]) => id.startsWith(def.logicalId)) as [string, any];
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.KeySchema[0]).toEqual({
        AttributeName: def.partitionKey.name,
        KeyType: 'HASH',
      });
      expect((table.Properties.GlobalSecondaryIndexes ?? []).map((i: any) => i.IndexName).sort()).toEqual(
        def.indexes.map((i) => i.name).sort(),
      );
    }
  });

  it('keeps the artifacts bucket private, encrypted, TLS-only, logged and expiring old runs', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'artifacts/' }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 30, Status: 'Enabled' }),
        ]),
      },
    });
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    // Artifacts, access logs and the audit archive.
    expect(policies).toHaveLength(3);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('keeps the audit checkpoints in a bucket made with Object Lock, compliance mode, 365 days by default', () => {
    const archive = logicalIdOf(template, 'AWS::S3::Bucket', { ObjectLockEnabled: true });
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'audit-archive/' }),
      }),
    });
    const onArchive = statements.filter((s) => s.resources.some((r) => r.startsWith(`<${archive}.Arn>`)));
    // The checkpoint writer may only add checkpoints; verification (the API) may only read them.
    expect(onArchive.map((s) => [s.roles, s.actions, s.resources, s.condition]).sort()).toEqual(
      [
        [
          [roleOfFunction('audit-checkpoint')],
          ['s3:PutObject'],
          [`<${archive}.Arn>/checkpoints/*`],
          undefined,
        ],
        [[roleOfFunction('api')], ['s3:GetObjectVersion'], [`<${archive}.Arn>/checkpoints/*`], undefined],
        [
          [roleOfFunction('api')],
          ['s3:ListBucketVersions'],
          [`<${archive}.Arn>`],
          { StringLike: { 's3:prefix': ['checkpoints*'] } },
        ],
      ].sort(),
    );
    const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId('audit-checkpoint')];
    expect(fn?.Properties.Environment.Variables.SIGNOFF_AUDIT_ARCHIVE_BUCKET).toEqual({ Ref: archive });
  });

  it('takes the audit retention, the checkpoint interval and a GitHub Enterprise Server from the settings', () => {
    const { template: other } = synthSignoff({
      bundle: false,
      context: {
        'signoff:auditRetentionDays': 2555,
        'signoff:auditCheckpointMinutes': 15,
        'signoff:githubApiUrl': 'https://github.acme.com/api/v3',
      },
    });
    const runEnded = other.findResources('AWS::Lambda::Function')[functionLogicalId('run-ended')];
    expect(runEnded?.Properties.Environment.Variables.SIGNOFF_GITHUB_API_URL).toBe(
      'https://github.acme.com/api/v3',
    );
    other.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: Match.objectLike({
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } },
      }),
    });
    other.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Arn: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }) })],
    });
  });

  it('creates the secrets without values: generated keys, and empty ones for the user to fill', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    const names = secrets.map((s) => render(s.Properties.Name)).sort();
    expect(names).toEqual(
      [
        'signoff/<DeploymentId>/deployments-slack-webhook',
        'signoff/<DeploymentId>/github-app-id',
        'signoff/<DeploymentId>/github-app-private-key',
        'signoff/<DeploymentId>/github-webhook-secret',
        'signoff/<DeploymentId>/link-signing-key',
        'signoff/<DeploymentId>/slack-bot-token',
        'signoff/<DeploymentId>/slack-signing-secret',
        'signoff/<DeploymentId>/webhook-production-deploy-with-escalation',
        'signoff/<DeploymentId>/webhook-staging-deploy',
      ].sort(),
    );
    for (const s of secrets) {
      expect(s.Properties.SecretString).toBeUndefined();
      const name = render(s.Properties.Name);
      const generated = /link-signing-key|github-webhook-secret|webhook-/.test(name);
      expect(s.Properties.GenerateSecretString !== undefined, name).toBe(generated);
    }
    const text = JSON.stringify(template.toJSON());
    const leaks = ['"SecretString"', 'SecretStringTemplate', 'xoxb-', 'xoxp-'].filter((s) =>
      text.includes(s),
    );
    expect(leaks).toEqual([]);
  });
});

describe('SignoffStack HTTP API and builds', () => {
  it('routes every path of functions/routes.ts to its function, when the deployment has it', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const deployed = ROUTES.filter((r) => FUNCTIONS.some((f) => f.name === r.fn));
    expect(deployed.length).toBeGreaterThan(0);
    expect(routes).toHaveLength(deployed.length);
    for (const route of deployed) {
      const found = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`);
      expect(found, `${route.method} ${route.path}`).toBeDefined();
      const integrationId = render(found?.Properties.Target).replace(/^integrations\/<|>$/g, '');
      const uri = integrations[integrationId]?.Properties.IntegrationUri;
      expect(uri).toEqual({ 'Fn::GetAtt': [functionLogicalId(route.fn), 'Arn'] });
    }
  });

  it('logs access and throttles the default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({
        Format: Match.stringLikeRegexp('"routeKey":"\\$context.routeKey"'),
      }),
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    // Approval links carry their capability in the query string: it never reaches the logs.
    expect(stage?.Properties.AccessLogSettings.Format).not.toMatch(/querystring|requestUri|\$request\./i);
  });

  it('outputs the API, Slack interactivity and GitHub webhook URLs', () => {
    const outputs = template.findOutputs('*');
    expect(render(outputs.ApiUrl?.Value)).toMatch(/^https:\/\/.*\/$/);
    expect(render(outputs.SlackInteractivityUrl?.Value)).toMatch(/\/slack\/interactions$/);
    expect(render(outputs.GitHubWebhookUrl?.Value)).toMatch(/\/webhooks\/github$/);
  });

  it('builds from the project as deployed: buildspec, runner, config and IaC code, without tests or node_modules', () => {
    const sources = Object.values(template.findResources('AWS::CodeBuild::Project')).map(
      (p) => p.Properties.Source.Location,
    );
    expect(new Set(sources.map(render)).size).toBe(1);
    const key = render(sources[0]).split('/').pop() as string;
    const asset = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    for (const file of [
      'infra/buildspec.yml',
      'package-lock.json',
      'functions/core/build/main.ts',
      'config/projects.yaml',
      'examples/local-files',
    ]) {
      expect(existsSync(join(asset, file)), file).toBe(true);
    }
    for (const file of ['node_modules', 'test', '.git', 'cdk.out'])
      expect(existsSync(join(asset, file)), file).toBe(false);
  });

  it('has a plan and an apply CodeBuild project per IaC project on the buildspec, with the roles and image from context', () => {
    const projects = template.findResources('AWS::CodeBuild::Project');
    expect(
      Object.values(projects)
        .map((p) => p.Properties.Name)
        .sort(),
    ).toEqual(
      workspace.projects.projects
        .flatMap((p) => [`signoff-${p.name}-plan`, `signoff-${p.name}-apply`])
        .sort(),
    );
    for (const p of Object.values(projects)) {
      expect(p.Properties.Source).toMatchObject({ Type: 'S3', BuildSpec: 'infra/buildspec.yml' });
      expect(p.Properties.Environment.PrivilegedMode).toBe(false);
    }
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: 'signoff-example-database-apply',
      ServiceRole: 'arn:aws:iam::123456789012:role/database-deployer',
      Environment: Match.objectLike({ Image: 'public.ecr.aws/acme/iac-tools:1.4' }),
    });
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: 'signoff-example-database-plan',
      ServiceRole: 'arn:aws:iam::123456789012:role/database-reader',
      Environment: Match.objectLike({ Image: 'public.ecr.aws/acme/iac-tools:1.4' }),
    });
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: 'signoff-example-site-plan',
      Environment: Match.objectLike({ Image: 'aws/codebuild/standard:7.0' }),
    });
  });
});

describe('SignoffStack monitoring', () => {
  it('alarms on every function, every workflow and approval timeouts, and has a dashboard', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.filter((a) => a.Properties.MetricName === 'Errors')).toHaveLength(FUNCTIONS.length);
    expect(alarms.filter((a) => a.Properties.MetricName === 'ExecutionsFailed')).toHaveLength(
      workflows.length,
    );
    const timeouts = alarms.find((a) => a.Properties.Metrics);
    const metrics = timeouts?.Properties.Metrics.map((m: any) => m.MetricStat?.Metric.MetricName).filter(
      Boolean,
    );
    expect(metrics.sort()).toEqual(['ApprovalRequested', 'ApprovalTimedOut']);
    expect(timeouts?.Properties.Threshold).toBe(25);
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = render(dashboard?.Properties.DashboardBody);
    for (const name of [
      'ApprovalRequested',
      'ApprovalTimedOut',
      'ApprovalResponseTimeMs',
      'ExecutionsStarted',
    ]) {
      expect(body).toContain(name);
    }
  });
});

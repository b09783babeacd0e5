/**
 * A workflow's `triggers.schedule` in the stack: one EventBridge Scheduler schedule in the
 * workflow's time zone, in Scheduler's cron syntax, invoking the webhook function with the slot's
 * scheduled time, as a role that may invoke that function only.
 */
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { projectRoot } from '../support/examples.ts';
import { createFixtureRoot } from '../support/fixture-root.ts';
import { allStatements, synthSignoff } from './synth.ts';

let root: string;
let template: Template;
beforeAll(() => {
  root = createFixtureRoot('schedules');
  copyFileSync(join(projectRoot, 'config', 'projects.yaml'), join(root, 'config', 'projects.yaml'));
  symlinkSync(join(projectRoot, 'package-lock.json'), join(root, 'package-lock.json'));
  mkdirSync(join(root, 'workflows'));
  const plan = { id: 'plan', type: 'iac', project: 'example-site-staging', action: 'plan' };
  writeFileSync(
    join(root, 'workflows', 'nightly-plan.yaml'),
    stringify({
      name: 'nightly-plan',
      environment: 'staging',
      triggers: { schedule: { cron: '30 2 * * MON-FRI', timezone: 'Europe/Berlin' } },
      steps: [plan],
    }),
  );
  writeFileSync(
    join(root, 'workflows', 'by-hand.yaml'),
    stringify({ name: 'by-hand', environment: 'staging', steps: [plan] }),
  );
  template = synthSignoff({ bundle: false, root }).template;
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('workflow schedules', () => {
  it('gives a scheduled workflow one schedule in its time zone, invoking the webhook function with the slot', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as {
      Properties: Record<string, any>;
    }[];
    expect(schedules).toHaveLength(1);
    const [{ Properties: p }] = schedules as [{ Properties: Record<string, any> }];
    expect(p).toMatchObject({
      ScheduleExpression: 'cron(30 2 ? * MON,TUE,WED,THU,FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 } },
    });
    expect(p.Name).toBeUndefined();
    expect(JSON.parse(p.Target.Input)).toEqual({
      kind: 'scheduled_start',
      workflow: 'nightly-plan',
      scheduled_time: '<aws.scheduler.scheduled-time>',
    });
    // The generic webhook function (not github-webhook) starts the slot's run.
    expect(p.Target.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FnwebhookFunction/), 'Arn'] });
  });

  it('lets the schedules’ role invoke the webhook function and nothing else', () => {
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0] as {
      Properties: Record<string, any>;
    };
    const role = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
    const statements = allStatements(template).filter((s) => s.roles.includes(`<${role}>`));
    expect(statements.flatMap((s) => s.actions)).toEqual(['lambda:InvokeFunction']);
    expect(statements.flatMap((s) => s.resources)).toEqual([expect.stringMatching(/webhook.*\.Arn>$/i)]);
  });
});

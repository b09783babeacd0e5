/** Builds the signoff CDK app for the infra tests, and reads policies and ARNs out of its template. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { buildApp, type SignoffApp } from '../../infra/build-app.ts';
import { projectRoot } from '../support/examples.ts';

/** The output folders this test file synthesized into; a bundled app is tens of MB. */
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Settings a team would put in cdk.json, for the tests. */
export const TEST_CONTEXT = {
  'signoff:emailFrom': 'signoff@acme.com',
  'signoff:slackChannel': '#deployments',
  'signoff:artifactRetentionDays': 30,
  'signoff:applyRoleArns': { 'example-database': 'arn:aws:iam::123456789012:role/database-deployer' },
  'signoff:planRoleArns': { 'example-database': 'arn:aws:iam::123456789012:role/database-reader' },
  'signoff:buildImages': { 'example-database': 'public.ecr.aws/acme/iac-tools:1.4' },
};

/** The app built in a fresh output folder; `bundle: false` skips esbuild (the template is the same). */
export function synthSignoff(
  options: { bundle?: boolean; context?: Record<string, unknown>; root?: string } = {},
): SignoffApp & { template: Template; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'signoff-cdk-'));
  outdirs.push(outdir);
  const built = buildApp({
    projectRoot: options.root ?? projectRoot,
    outdir,
    context: {
      ...TEST_CONTEXT,
      'aws:cdk:enable-asset-metadata': true,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });
  return { ...built, template: Template.fromStack(built.stack), outdir };
}

/**
 * The per-deployment suffix as the template must write it: the first 8 hex digits of the stack
 * id's UUID, which CloudFormation makes new on every stack creation.
 */
export const DEPLOYMENT_ID = {
  'Fn::Select': [
    0,
    { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
  ],
};

/** A CloudFormation value rendered as a string: `<Logical.Arn>`, `<AWS::Region>`, `<DeploymentId>`, ... */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (JSON.stringify(value) === JSON.stringify(DEPLOYMENT_ID)) return '<DeploymentId>';
  const v = value as Record<string, unknown>;
  if (v && Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  if (v && Array.isArray(v['Fn::GetAtt'])) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (v && 'Ref' in v) return `<${v.Ref as string}>`;
  return JSON.stringify(value);
}

/** One IAM statement with where it is. */
export interface Statement {
  policy: string;
  roles: string[];
  actions: string[];
  resources: string[];
  condition?: unknown;
}

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Every Allow statement of every AWS::IAM::Policy and inline role policy in the template. */
export function allStatements(template: Template): Statement[] {
  const out: Statement[] = [];
  const add = (policy: string, roles: string[], doc: { Statement?: Record<string, unknown>[] }) => {
    for (const s of doc.Statement ?? []) {
      if (s.Effect !== 'Allow') continue;
      out.push({
        policy,
        roles,
        actions: list(s.Action as string | string[]),
        resources: list(s.Resource).map(render),
        condition: s.Condition,
      });
    }
  };
  for (const [id, r] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    add(id, list(r.Properties.Roles).map(render), r.Properties.PolicyDocument);
  }
  for (const [id, r] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const p of r.Properties.Policies ?? []) add(`${id}/${p.PolicyName}`, [`<${id}>`], p.PolicyDocument);
  }
  return out;
}

/** The logical id of the only resource of a type whose properties match. */
export function logicalIdOf(template: Template, type: string, props: Record<string, unknown>): string {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} with ${JSON.stringify(props)}, found ${ids.length}`);
  return ids[0] as string;
}

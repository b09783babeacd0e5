import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployedFunctions } from '../../infra/functions.ts';
import { allStatements, logicalIdOf, render, type Statement, synthSignoff } from './synth.ts';

let template: Template;
let statements: Statement[];

beforeAll(() => {
  template = synthSignoff({ bundle: false }).template;
  statements = allStatements(template);
}, 120_000);

const roleOfFunction = (name: string): string => {
  const id = logicalIdOf(template, 'AWS::Lambda::Function', { FunctionName: `signoff-${name}` });
  const fn = template.findResources('AWS::Lambda::Function')[id];
  return `<${fn?.Properties.Role['Fn::GetAtt'][0]}>`;
};

/** CodeBuild project name -> the logical id of the log group its LogsConfig names. */
function buildLogGroups(): Map<string, string> {
  const groups = new Map<string, string>();
  for (const project of Object.values(template.findResources('AWS::CodeBuild::Project'))) {
    const group = project.Properties.LogsConfig?.CloudWatchLogs?.GroupName;
    groups.set(project.Properties.Name as string, render(group).replace(/^<|>$/g, ''));
  }
  return groups;
}

describe('build logs in AWS', () => {
  it('lets the web function call only logs:GetLogEvents, and only on the build projects’ log groups', () => {
    const groups = buildLogGroups();
    expect(groups.size).toBeGreaterThanOrEqual(2);
    const web = statements.filter((s) => s.roles.includes(roleOfFunction('web')));
    // Besides its own log group's writes (every function has those).
    const readers = web.filter((s) =>
      s.actions.some((a) => /^logs:(Get|Filter|Describe|StartQuery|\*)/.test(a)),
    );
    expect(readers).toHaveLength(1);
    expect(readers[0]?.actions).toEqual(['logs:GetLogEvents']);
    expect(readers[0]?.resources.sort()).toEqual([...groups.values()].map((id) => `<${id}.Arn>`).sort());
  });

  it('gives no other function any CloudWatch Logs read', () => {
    const otherRoles = deployedFunctions({})
      .filter((f) => f.name !== 'web')
      .map((f) => roleOfFunction(f.name));
    const reads = statements.filter(
      (s) =>
        s.roles.some((r) => otherRoles.includes(r)) &&
        s.actions.some((a) => /^logs:(Get|Filter|Describe|StartQuery|\*)/.test(a) || a === '*'),
    );
    expect(reads).toEqual([]);
  });

  it('tells the web function which log group each CodeBuild project writes to', () => {
    const id = logicalIdOf(template, 'AWS::Lambda::Function', { FunctionName: 'signoff-web' });
    const env = template.findResources('AWS::Lambda::Function')[id]?.Properties.Environment.Variables;
    const json = render(env.SIGNOFF_BUILD_LOG_GROUPS);
    const expected = Object.fromEntries(
      [...buildLogGroups()].map(([project, group]) => [project, `<${group}>`]),
    );
    expect(JSON.parse(json)).toEqual(expected);
  });
});

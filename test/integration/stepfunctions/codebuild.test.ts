import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachine, type Harness, runToEnd, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

function buildMachine(project: string) {
  return {
    StartAt: 'Plan',
    States: {
      Plan: {
        Type: 'Task',
        Resource: 'arn:aws:states:::codebuild:startBuild.sync',
        Parameters: {
          ProjectName: project,
          EnvironmentVariablesOverride: [
            { Name: 'SIGNOFF_ACTION', Value: 'plan', Type: 'PLAINTEXT' },
            { Name: 'SIGNOFF_RUN_ID', 'Value.$': '$.run.id', Type: 'PLAINTEXT' },
          ],
        },
        TimeoutSeconds: 10,
        ResultSelector: { 'id.$': '$.Build.Id', 'status.$': '$.Build.BuildStatus' },
        ResultPath: '$.build',
        Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.build_error', Next: 'PlanFailed' }],
        End: true,
      },
      PlanFailed: { Type: 'Pass', End: true },
    },
  };
}

describe('arn:aws:states:::codebuild:startBuild.sync', () => {
  it('runs the build with the overridden environment and returns the Build on success', async () => {
    const arn = await createMachine(h, 'build-ok', buildMachine('BuildProject_demo'));

    const result = await runToEnd(h, arn, { run: { id: 'run-7' } });

    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '')).toEqual({
      run: { id: 'run-7' },
      build: { id: 'BuildProject_demo:build-1', status: 'SUCCEEDED' },
    });
    expect(h.builds).toEqual([
      { projectName: 'BuildProject_demo', environment: { SIGNOFF_ACTION: 'plan', SIGNOFF_RUN_ID: 'run-7' } },
    ]);
  });

  it('fails the task with States.TaskFailed and the build as a JSON Cause when the build fails', async () => {
    h.buildResults.set('BuildProject_broken', 'FAILED');
    const arn = await createMachine(h, 'build-broken', buildMachine('BuildProject_broken'));

    const result = await runToEnd(h, arn, { run: { id: 'run-8' } });

    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output ?? '') as { build_error: { Error: string; Cause: string } };
    expect(output.build_error.Error).toBe('States.TaskFailed');
    expect(JSON.parse(output.build_error.Cause)).toMatchObject({
      Build: {
        Id: expect.stringContaining('BuildProject_broken:'),
        BuildStatus: 'FAILED',
        ProjectName: 'BuildProject_broken',
        Arn: expect.stringMatching(/^arn:aws:codebuild:us-east-1:000000000000:build\//),
      },
    });
  });
});

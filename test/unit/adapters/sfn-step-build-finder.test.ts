import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { buildsFromHistory } from '../../../functions/adapters/sfn-step-build-finder.ts';

let id = 0;
const at = new Date('2026-12-01T10:00:00Z');
const event = (type: string, details: Partial<HistoryEvent> = {}): HistoryEvent =>
  ({ id: ++id, type, timestamp: at, ...details }) as HistoryEvent;
const entered = (name: string) => event('TaskStateEntered', { stateEnteredEventDetails: { name } });
const codebuild = { resourceType: 'codebuild', resource: 'startBuild.sync' };
const submitted = (buildId: string) =>
  event('TaskSubmitted', {
    taskSubmittedEventDetails: {
      ...codebuild,
      output: JSON.stringify({ Build: { Id: buildId, BuildStatus: 'IN_PROGRESS' } }),
    },
  });

describe('buildsFromHistory', () => {
  it('finds each build a codebuild task submitted, under its state, ended once its task ended', () => {
    const builds = buildsFromHistory([
      event('ExecutionStarted'),
      entered('plan'),
      event('TaskScheduled', {
        taskScheduledEventDetails: { ...codebuild, region: 'eu-west-1', parameters: '{}' },
      }),
      event('TaskStarted', { taskStartedEventDetails: codebuild }),
      submitted('signoff-site-plan:aaa'),
      // A retry of the same state starts a second build.
      event('TaskFailed', { taskFailedEventDetails: { ...codebuild, error: 'States.TaskFailed' } }),
      submitted('signoff-site-plan:bbb'),
      event('TaskSucceeded', { taskSucceededEventDetails: { ...codebuild, output: '{}' } }),
      entered('plan.summarize'),
      event('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: '{}' } }),
      entered('apply'),
      submitted('signoff-site-apply:ccc'),
    ]);
    expect(builds).toEqual([
      { state: 'plan', build_id: 'signoff-site-plan:aaa', ended: true },
      { state: 'plan', build_id: 'signoff-site-plan:bbb', ended: true },
      { state: 'apply', build_id: 'signoff-site-apply:ccc', ended: false },
    ]);
  });

  it('ends every build when the execution ends, and ignores other tasks’ submissions', () => {
    const builds = buildsFromHistory([
      entered('approve'),
      event('TaskSubmitted', {
        taskSubmittedEventDetails: {
          resourceType: 'lambda',
          resource: 'invoke',
          output: '{"Build":{"Id":"x:y"}}',
        },
      }),
      entered('apply'),
      submitted('signoff-site-apply:ddd'),
      event('ExecutionAborted'),
    ]);
    expect(builds).toEqual([{ state: 'apply', build_id: 'signoff-site-apply:ddd', ended: true }]);
  });
});

import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { stepsFromHistory } from '../../../functions/adapters/sfn-run-engine.ts';

const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 10, 0, s));
const build = { resourceType: 'codebuild', resource: 'startBuild.sync' };

describe('stepsFromHistory', () => {
  it('shows a build task as queued from TaskScheduled until TaskStarted, then running', () => {
    const events: HistoryEvent[] = [
      { id: 1, timestamp: at(0), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'plan' } },
      {
        id: 2,
        timestamp: at(0),
        type: 'TaskScheduled',
        taskScheduledEventDetails: { ...build, region: 'x', parameters: '{}' },
      },
    ];
    expect(stepsFromHistory(events)).toMatchObject([{ state: 'plan', status: 'queued' }]);

    events.push({ id: 3, timestamp: at(5), type: 'TaskStarted', taskStartedEventDetails: build });
    expect(stepsFromHistory(events)).toMatchObject([{ state: 'plan', status: 'running' }]);
  });

  it('keeps a Lambda task running between TaskScheduled and TaskStarted', () => {
    const events: HistoryEvent[] = [
      { id: 1, timestamp: at(0), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'approve' } },
      {
        id: 2,
        timestamp: at(0),
        type: 'TaskScheduled',
        taskScheduledEventDetails: {
          resourceType: 'lambda',
          resource: 'invoke.waitForTaskToken',
          region: 'x',
          parameters: '{}',
        },
      },
    ];
    expect(stepsFromHistory(events)).toMatchObject([{ state: 'approve', status: 'running' }]);
  });
});

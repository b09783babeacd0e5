/**
 * StepBuildFinder on the execution history: a `codebuild:startBuild.sync` task records
 * TaskSubmitted with StartBuild's response as its output (`{"Build": {"Id": ...}}`), and ends with
 * TaskSucceeded, TaskFailed or TaskTimedOut (Step Functions Developer Guide, "Run a Job (.sync)").
 * The history is read with its data, which the run pages' history reads leave out.
 */
import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import type { StepBuild, StepBuildFinder } from '../core/ports.ts';
import { readExecutionHistory } from './sfn-run-engine.ts';

/** Finds the builds of an execution in its Step Functions history. */
export class SfnStepBuildFinder implements StepBuildFinder {
  constructor(private readonly client: SFNClient) {}

  async list(executionArn: string): Promise<StepBuild[]> {
    return buildsFromHistory(await readExecutionHistory(this.client, executionArn, true));
  }
}

/** The builds in history events: each TaskSubmitted of a codebuild task, under the state that ran it. */
export function buildsFromHistory(events: HistoryEvent[]): StepBuild[] {
  const builds: StepBuild[] = [];
  let state = '';
  let open: StepBuild | undefined;
  for (const event of events) {
    const type = event.type ?? '';
    if (type.endsWith('StateEntered')) state = event.stateEnteredEventDetails?.name ?? '';
    if (type === 'TaskSubmitted' && event.taskSubmittedEventDetails?.resourceType === 'codebuild') {
      const id = buildIdOf(event.taskSubmittedEventDetails.output);
      if (id) {
        open = { state, build_id: id, ended: false };
        builds.push(open);
      }
    }
    const ended =
      event.taskSucceededEventDetails ?? event.taskFailedEventDetails ?? event.taskTimedOutEventDetails;
    if (ended?.resourceType === 'codebuild' && open) {
      open.ended = true;
      open = undefined;
    }
    if (type.startsWith('Execution') && type !== 'ExecutionStarted') {
      for (const build of builds) build.ended = true;
    }
  }
  return builds;
}

function buildIdOf(output: string | undefined): string | undefined {
  try {
    const id = (JSON.parse(output ?? '') as { Build?: { Id?: unknown } }).Build?.Id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** What the trigger use cases need: what starting a run needs, plus secrets, a log and the public URL. */
import type { LogPort, Secrets } from '../ports.ts';
import type { StartRunDeps } from '../runs/start-run.ts';

/** Deps of the GitHub and generic webhook triggers; `AppDeps` satisfies it. */
export interface TriggerDeps extends StartRunDeps {
  secrets: Secrets;
  log?: LogPort;
  config: { publicUrl: string };
}

/** The link to a run's page. */
export function runUrl(deps: TriggerDeps, runId: string): string {
  return `${deps.config.publicUrl}/runs/${encodeURIComponent(runId)}`;
}

/** CLI commands for change freezes: list them, start an ad-hoc one now, and end one (admins only). */
import type { FreezeView } from '../functions/core/freeze/adhoc-freezes.ts';
import { formatInZone } from '../statemachines/time-zone.ts';
import { type ApiOptions, apiClient } from './api-client.ts';
import { table } from './run-commands.ts';
import { CliError } from './workspace.ts';

type Out = (text: string) => void;

/** `signoff freeze list [--json]`: the freezes in effect and those starting within two weeks. */
export async function freezeListCommand(options: ApiOptions & { json: boolean }, out: Out): Promise<number> {
  const listed = (await apiClient(options, { reads: true }).get('/api/freezes')) as {
    active: FreezeView[];
    upcoming: FreezeView[];
  };
  if (options.json) {
    out(JSON.stringify(listed, null, 2));
    return 0;
  }
  const rows = [
    ...listed.active.map((f) => ['in effect', ...describe(f)]),
    ...listed.upcoming.map((f) => ['to come', ...describe(f)]),
  ];
  if (rows.length === 0) {
    out('no freeze is in effect or starts within two weeks');
    return 0;
  }
  out(table(['', 'FREEZE', 'FROM', 'UNTIL', 'COVERS', 'APPLY', 'REASON'], rows));
  return 0;
}

/** `signoff freeze add --reason TEXT [--env E]... [--workflow W]... [--for 4h] [--fail]`: an ad-hoc freeze from now. */
export async function freezeAddCommand(
  options: ApiOptions & {
    reason?: string;
    environments: string[];
    workflows: string[];
    duration?: string;
    fail: boolean;
  },
  out: Out,
): Promise<number> {
  if (!options.reason?.trim())
    throw new CliError('freeze add needs --reason TEXT: every held apply shows it, and it is audited', 2);
  const { freeze } = (await apiClient(options).post('/api/freezes', {
    reason: options.reason,
    environments: options.environments,
    workflows: options.workflows,
    apply: options.fail ? 'fail' : 'wait',
    ...(options.duration ? { duration: options.duration } : {}),
  })) as { freeze: { id: string; ends_at?: string } };
  const covers = coverage(options.environments, options.workflows);
  out(
    `started freeze ${freeze.id} covering ${covers}, ${freeze.ends_at ? `until ${freeze.ends_at}` : 'until you end it'}; applies ${options.fail ? 'fail' : 'wait'} meanwhile`,
  );
  out(`end it with: signoff freeze end ${freeze.id}`);
  return 0;
}

/** `signoff freeze end ID`: ends an ad-hoc freeze now; held applies go on at their next check. */
export async function freezeEndCommand(options: ApiOptions & { id: string }, out: Out): Promise<number> {
  const { freeze } = (await apiClient(options).post(
    `/api/freezes/${encodeURIComponent(options.id)}/end`,
    {},
  )) as { freeze: { id: string; reason: string } };
  out(`ended freeze ${freeze.id} (${freeze.reason}); held applies go on at their next check`);
  return 0;
}

function describe(f: FreezeView): string[] {
  return [
    f.name,
    formatInZone(new Date(f.starts_at), f.timezone),
    f.ends_at ? formatInZone(new Date(f.ends_at), f.timezone) : 'until ended',
    coverage(f.environments, f.workflows),
    f.apply,
    f.reason,
  ];
}

function coverage(environments: string[], workflows: string[]): string {
  if (environments.length === 0 && workflows.length === 0) return 'every workflow';
  return [...environments.map((e) => `env ${e}`), ...workflows].join(', ');
}

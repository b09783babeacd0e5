import type { CostSummary } from '../../../statemachines/contract.ts';
import { notEstimated, parseInfracost } from '../plan/infracost.ts';
import type { ToolContext } from './iac-tool.ts';
import { runCommand, ToolNotFoundError } from './run-command.ts';

/**
 * Estimates the plan's monthly cost: with the project's own `cost` command, else with
 * Infracost when INFRACOST_API_KEY is set; otherwise, or when that fails, "not estimated"
 * with the reason. A failed estimate never fails the plan.
 */
export async function estimateCost(ctx: ToolContext, planJson: string): Promise<CostSummary> {
  const { project, env, log } = ctx;
  const command =
    project.cost ??
    (env.INFRACOST_API_KEY
      ? ['infracost', 'breakdown', '--path', planJson, '--format', 'json', '--log-level', 'warn']
      : undefined);
  if (!command) {
    return notEstimated(
      'Infracost is not configured (no INFRACOST_API_KEY) and the project has no cost command',
    );
  }
  const what = project.cost ? 'the cost command' : 'infracost';
  log.line(`$ cost estimate with ${what}`);
  try {
    const result = await runCommand(command, {
      cwd: ctx.projectDir,
      env: { ...env, SIGNOFF_PLAN_JSON: planJson },
      log,
      capture: true,
      missing: 'infracost not found on PATH',
    });
    if (result.code !== 0) return notEstimated(`${what} failed (exit ${result.code})`);
    const cost = parseInfracost(result.stdout);
    log.line(
      cost.estimated
        ? `cost: ${cost.monthly_after} ${cost.currency}/month (change ${cost.monthly_delta})`
        : `cost not estimated: ${cost.reason}`,
    );
    return cost;
  } catch (error) {
    if (error instanceof ToolNotFoundError) return notEstimated(error.message);
    throw error;
  }
}

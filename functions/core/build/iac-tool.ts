/**
 * How each kind of project plans and applies. Terraform and OpenTofu run from PATH;
 * `command` projects run their own commands, which get these variables:
 * - SIGNOFF_PLAN_JSON: where `plan` writes the plan in Terraform's JSON plan format (and
 *   where `cost` reads it);
 * - SIGNOFF_SAVED_PLAN: where `plan` may write its saved plan, and the saved plan `apply`
 *   must apply.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Project } from '../../../statemachines/schema.ts';
import { SignoffError } from '../errors.ts';
import type { BuildLog } from './build-log.ts';
import { type Command, describeCommand, runCommand } from './run-command.ts';

/** How long a plan waits for the Terraform state lock another run's apply holds. */
const STATE_LOCK_TIMEOUT = '10m';

/** Thrown when a plan or apply command fails; the message says which and how. */
export class BuildStepError extends SignoffError {}

/** What a tool step needs: the project, its directory, the environment and the log. */
export interface ToolContext {
  project: Project;
  projectDir: string;
  env: NodeJS.ProcessEnv;
  log: BuildLog;
}

/** Files a plan produced. */
export interface PlanFiles {
  planJson: string;
  savedPlan?: string;
}

function missingMessage(project: Project): string {
  return `${project.tool} not found on PATH; install it or use tool: command`;
}

async function step(ctx: ToolContext, what: string, command: Command, extraEnv: NodeJS.ProcessEnv = {}) {
  ctx.log.line(`$ ${describeCommand(command)}`);
  const result = await runCommand(command, {
    cwd: ctx.projectDir,
    env: { ...ctx.env, ...extraEnv },
    log: ctx.log,
    missing: ctx.project.tool === 'command' ? undefined : missingMessage(ctx.project),
  });
  if (result.code !== 0)
    throw new BuildStepError(`${what} failed (exit ${result.code}): ${describeCommand(command)}`);
}

/** Plans the project into `planJson` (and `savedPlan` when the tool saves one). */
export async function makePlan(
  ctx: ToolContext,
  files: { planJson: string; savedPlan: string },
): Promise<PlanFiles> {
  const { project } = ctx;
  if (project.tool === 'command') {
    if (!project.plan) throw new BuildStepError(`project ${project.name} has no plan command`);
    await step(ctx, 'the plan command', project.plan, {
      SIGNOFF_PLAN_JSON: files.planJson,
      SIGNOFF_SAVED_PLAN: files.savedPlan,
    });
    if (!existsSync(files.planJson)) {
      throw new BuildStepError('the plan command did not write the plan JSON to $SIGNOFF_PLAN_JSON');
    }
    return {
      planJson: files.planJson,
      ...(existsSync(files.savedPlan) ? { savedPlan: files.savedPlan } : {}),
    };
  }
  const bin = project.tool;
  const env = { TF_IN_AUTOMATION: '1' };
  await step(ctx, `${bin} init`, [bin, 'init', '-input=false', '-no-color'], env);
  // A run that only plans holds no project lock, so it may plan while another run applies; the
  // plan then waits for the state lock that apply holds rather than failing at once (Terraform's
  // default `-lock-timeout` is 0s: "Error acquiring the state lock").
  await step(
    ctx,
    `${bin} plan`,
    [
      bin,
      'plan',
      '-input=false',
      '-no-color',
      `-lock-timeout=${STATE_LOCK_TIMEOUT}`,
      `-out=${files.savedPlan}`,
    ],
    env,
  );
  ctx.log.line(`$ ${bin} show -json ${files.savedPlan} > plan.json`);
  // Captured, not logged: the JSON plan shows sensitive values in clear text.
  const shown = await runCommand([bin, 'show', '-json', files.savedPlan], {
    cwd: ctx.projectDir,
    env: { ...ctx.env, ...env },
    log: ctx.log,
    capture: true,
    missing: missingMessage(project),
  });
  if (shown.code !== 0) throw new BuildStepError(`${bin} show failed (exit ${shown.code})`);
  await writeFile(files.planJson, shown.stdout);
  return { planJson: files.planJson, savedPlan: files.savedPlan };
}

/** Applies a saved plan (`planJson` is that plan's JSON, for command projects that want it). */
export async function applySavedPlan(
  ctx: ToolContext,
  files: { savedPlan: string; planJson: string },
): Promise<void> {
  const { project } = ctx;
  if (project.tool === 'command') {
    if (!project.apply) throw new BuildStepError(`project ${project.name} has no apply command`);
    await step(ctx, 'the apply command', project.apply, {
      SIGNOFF_SAVED_PLAN: files.savedPlan,
      SIGNOFF_PLAN_JSON: files.planJson,
    });
    return;
  }
  const bin = project.tool;
  await step(ctx, `${bin} apply`, [bin, 'apply', '-input=false', '-no-color', files.savedPlan], {
    TF_IN_AUTOMATION: '1',
  });
}

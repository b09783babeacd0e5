/**
 * local-files: a small IaC tool that manages files and directories in a local folder, for
 * signoff's demo on a machine without Terraform.
 *
 *   plan  [--desired FILE]  compare desired state with the real state, write the plan as
 *                           Terraform JSON ($SIGNOFF_PLAN_JSON, default plan.json) and the
 *                           saved plan ($SIGNOFF_SAVED_PLAN, default plan.lfplan)
 *   apply [--plan FILE]     apply exactly the saved plan; refuses when anything changed since
 *   cost  [--plan FILE]     price a Terraform JSON plan, print Infracost JSON on stdout
 *
 * State lives in $LOCAL_FILES_STATE_DIR (default .signoff/example-state), the managed files
 * under $LOCAL_FILES_ROOT/<workspace> (default .signoff/example-files), both relative to
 * the working directory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyPlan, staleReason } from './apply.ts';
import { costReport } from './cost.ts';
import { readDesired } from './desired.ts';
import { planChanges, planDrift, type SavedPlan, toTerraformJson } from './plan.ts';
import { readState, statePath, writeState } from './state.ts';

const env = process.env;
const stateDir = env.LOCAL_FILES_STATE_DIR ?? join('.signoff', 'example-state');
const filesRoot = env.LOCAL_FILES_ROOT ?? join('.signoff', 'example-files');
const planJsonFile = env.SIGNOFF_PLAN_JSON ?? 'plan.json';
const savedPlanFile = env.SIGNOFF_SAVED_PLAN ?? 'plan.lfplan';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { desired: { type: 'string', default: 'desired.yaml' }, plan: { type: 'string' } },
});

function plan(): void {
  const desired = readDesired(values.desired ?? 'desired.yaml');
  const root = join(filesRoot, desired.workspace);
  const state = readState(statePath(stateDir, desired.workspace));
  const changes = planChanges(desired.resources, state, root);
  const saved: SavedPlan = {
    format: 'local-files-plan',
    version: 1,
    workspace: desired.workspace,
    root,
    lineage: state.lineage,
    serial: state.serial,
    changes,
  };
  writeFileSync(savedPlanFile, `${JSON.stringify(saved, null, 2)}\n`);
  const drift = planDrift(state, root);
  for (const d of drift) console.log(`  changed outside local-files: ${d.address} (${d.actions[0]})`);
  writeFileSync(planJsonFile, `${JSON.stringify(toTerraformJson(changes, new Date(), drift), null, 2)}\n`);
  for (const c of changes) if (c.actions[0] !== 'no-op') console.log(`  ${c.actions.join('/')} ${c.address}`);
  const count = (pred: (a: string[]) => boolean) => changes.filter((c) => pred(c.actions)).length;
  const add = count((a) => a.includes('create'));
  const change = count((a) => a[0] === 'update');
  const destroy = count((a) => a.includes('delete'));
  console.log(`Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`);
}

function apply(): void {
  const file = values.plan ?? savedPlanFile;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedPlan;
  if (saved.format !== 'local-files-plan') throw new Error(`${file} is not a local-files saved plan`);
  const stateFile = statePath(stateDir, saved.workspace);
  const state = readState(stateFile);
  const stale = staleReason(saved, state);
  if (stale) throw new Error(`refusing to apply a stale plan: ${stale}; plan again`);
  writeState(
    stateFile,
    applyPlan(saved, state, (line) => console.log(line)),
  );
  console.log(`Apply complete: ${saved.changes.filter((c) => c.actions[0] !== 'no-op').length} changed.`);
}

function cost(): void {
  const planJson = JSON.parse(readFileSync(values.plan ?? planJsonFile, 'utf8'));
  console.log(JSON.stringify(costReport(planJson, 'local-files', new Date()), null, 2));
}

const commands: Record<string, () => void> = { plan, apply, cost };
const run = commands[positionals[0] ?? ''];
if (!run) {
  console.error('usage: local-files plan|apply|cost [--desired FILE] [--plan FILE]');
  process.exit(2);
}
try {
  run();
} catch (error) {
  console.error(`local-files: ${(error as Error).message}`);
  process.exit(1);
}

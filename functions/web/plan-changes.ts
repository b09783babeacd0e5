/**
 * The full plan for the approval and run pages: the plan JSON from the artifact store, folded
 * into one row per resource change with its changed attributes. Sensitive values never show.
 */
import type { PlanSummary } from '../../statemachines/contract.ts';
import { type ChangeKind, classifyActions } from '../core/plan/classify-actions.ts';
import { parseTerraformPlan, type ResourceChange } from '../core/plan/terraform-plan.ts';
import type { ArtifactStore } from '../core/ports.ts';

/** One attribute of a resource change as the page shows it. */
export interface AttributeRow {
  name: string;
  before?: string;
  after?: string;
}

/** One resource change of the full plan. */
export interface PlanChangeRow {
  address: string;
  action: ChangeKind;
  reason?: string;
  attributes: AttributeRow[];
}

/** The full plan's rows, or why they cannot be shown. */
export type PlanChanges = { rows: PlanChangeRow[]; truncated: boolean } | { error: string };

const MAX_ROWS = 500;
const MAX_ATTRIBUTES = 60;
const MAX_VALUE = 300;
const SENSITIVE = '(sensitive)';
const UNKNOWN = '(known after apply)';

/** Reads and folds the plan JSON of a plan summary; a missing or broken artifact becomes a message. */
export async function loadPlanChanges(artifacts: ArtifactStore, plan: PlanSummary): Promise<PlanChanges> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await artifacts.get(plan.artifacts.plan_json);
  } catch {
    return { error: 'The full plan could not be read from the artifact store.' };
  }
  if (!bytes) return { error: 'The full plan is not in the artifact store (it may have been cleaned up).' };
  try {
    return planChangeRows(parseTerraformPlan(new TextDecoder().decode(bytes)).resource_changes);
  } catch {
    return { error: 'The stored plan is not a Terraform JSON plan.' };
  }
}

/** Folds resource changes into rows, skipping no-ops; at most 500. */
export function planChangeRows(changes: ResourceChange[]): { rows: PlanChangeRow[]; truncated: boolean } {
  const rows: PlanChangeRow[] = [];
  let count = 0;
  for (const rc of changes) {
    const action = classifyActions(rc.change.actions);
    if (action === 'none') continue;
    count++;
    if (rows.length >= MAX_ROWS) continue;
    rows.push({
      address: rc.address,
      action,
      ...(rc.action_reason ? { reason: rc.action_reason } : {}),
      attributes: attributeRows(rc, action),
    });
  }
  return { rows, truncated: count > rows.length };
}

function attributeRows(rc: ResourceChange, action: ChangeKind): AttributeRow[] {
  const before = asObject(rc.change.before);
  const after = asObject(rc.change.after);
  const unknown = asObject(rc.change.after_unknown);
  const names = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  const rows: AttributeRow[] = [];
  for (const name of [...names].sort()) {
    const b = show(before[name], isMarked(rc.change.before_sensitive, name));
    const a = unknown[name] === true ? UNKNOWN : show(after[name], isMarked(rc.change.after_sensitive, name));
    if (action === 'update' || action === 'replace') {
      if (b === a) continue;
    }
    rows.push({
      name,
      ...(action !== 'create' && b !== undefined ? { before: b } : {}),
      ...(action !== 'delete' && a !== undefined ? { after: a } : {}),
    });
    if (rows.length >= MAX_ATTRIBUTES) break;
  }
  return rows;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Whether Terraform's sensitivity marks cover the attribute (wholly or in part). */
function isMarked(marks: unknown, name: string): boolean {
  if (marks === true) return true;
  const mark = asObject(marks)[name];
  return (
    mark === true || (typeof mark === 'object' && mark !== null && JSON.stringify(mark).includes('true'))
  );
}

function show(value: unknown, sensitive: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (sensitive) return SENSITIVE;
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value ?? null);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

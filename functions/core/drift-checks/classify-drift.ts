/**
 * A drift check's verdict on a plan: in sync, or drifted, with every resource that differs. A
 * resource differs when the refresh found it changed outside the tool (`resource_drift`) or when
 * the plan would change it (`resource_changes` with an infrastructure action), or both.
 */
import type {
  DriftCheckSummary,
  DriftedResource,
  DriftStatus,
} from '../../../statemachines/drift-contract.ts';
import { canonicalJson } from '../plan/canonical-json.ts';
import { classifyActions, isInfraChange } from '../plan/classify-actions.ts';
import type { ResourceChange, TerraformPlan } from '../plan/terraform-plan.ts';

/** `drift-check.json`: the whole verdict, every resource listed. */
export interface DriftCheckReport {
  project: string;
  status: DriftStatus;
  resources: DriftedResource[];
  /** The plan's hash, to tell one check's plan from another's. */
  plan_hash: string;
}

/** How many resources a summary in the run's state lists (the state is capped at 256 KB). */
export const MAX_DRIFT_RESOURCES = 25;
/** How many attribute names a summary lists per resource. */
export const MAX_DRIFT_ATTRIBUTES = 10;

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The top-level attributes whose values differ between `before` and `after`. An attribute whose
 * new value is only known after apply (`after_unknown`) is left out: it is computed from the
 * others, so it follows from them rather than differing by itself. A whole object created or
 * deleted lists no attributes.
 */
export function changedAttributes(change: ResourceChange['change']): string[] {
  const before = asObject(change.before);
  const after = asObject(change.after);
  if (!before || !after) return [];
  const unknown = asObject(change.after_unknown) ?? {};
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names]
    .filter((name) => unknown[name] !== true)
    .filter((name) => canonicalJson(before[name]) !== canonicalJson(after[name]))
    .sort();
}

/** Classifies a plan made by a drift check. */
export function classifyDrift(
  plan: TerraformPlan,
  opts: { project: string; planHash: string },
): DriftCheckReport {
  const found = new Map<string, DriftedResource>();
  const entry = (address: string): DriftedResource => {
    let resource = found.get(address);
    if (!resource) {
      resource = { address, changed_outside: false, attributes: [] };
      found.set(address, resource);
    }
    return resource;
  };
  const addAttributes = (resource: DriftedResource, names: string[]) => {
    resource.attributes = [...new Set([...resource.attributes, ...names])].sort();
  };
  for (const rc of plan.resource_drift ?? []) {
    // A data source read again is not drift; neither is an entry that changes nothing.
    if (rc.mode !== 'managed' || classifyActions(rc.change.actions) === 'none') continue;
    const resource = entry(rc.address);
    resource.changed_outside = true;
    addAttributes(resource, changedAttributes(rc.change));
  }
  for (const rc of plan.resource_changes) {
    const kind = classifyActions(rc.change.actions);
    if (rc.mode !== 'managed' || !isInfraChange(kind)) continue;
    const resource = entry(rc.address);
    resource.planned = kind;
    addAttributes(resource, changedAttributes(rc.change));
  }
  const resources = [...found.values()].sort((a, b) => (a.address < b.address ? -1 : 1));
  return {
    project: opts.project,
    status: resources.length > 0 ? 'drifted' : 'in_sync',
    resources,
    plan_hash: opts.planHash,
  };
}

/** The report as the run's state carries it: counts and the first resources, each with its first attributes. */
export function summarizeDriftCheck(
  report: DriftCheckReport,
  opts: { stepId: string; artifact: string },
): DriftCheckSummary {
  const listed = report.resources.slice(0, MAX_DRIFT_RESOURCES).map((r): DriftedResource => {
    const cut = r.attributes.length > MAX_DRIFT_ATTRIBUTES;
    return {
      ...r,
      attributes: r.attributes.slice(0, MAX_DRIFT_ATTRIBUTES),
      ...(cut ? { attributes_truncated: true } : {}),
    };
  });
  return {
    step_id: opts.stepId,
    project: report.project,
    status: report.status,
    drifted: report.resources.length,
    changed_outside: report.resources.filter((r) => r.changed_outside).length,
    planned: report.resources.filter((r) => r.planned !== undefined).length,
    resources: listed,
    resources_truncated: report.resources.length > MAX_DRIFT_RESOURCES,
    artifact: opts.artifact,
  };
}

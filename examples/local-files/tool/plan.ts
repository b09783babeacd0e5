/** Compares the desired state with the refreshed real state and plans the changes. */
import { addressOf, type DesiredResource } from './desired.ts';
import { desiredAttributes, readObject } from './objects.ts';
import type { Attributes, State } from './state.ts';

/** Terraform's action lists that this tool plans. */
export type Actions = ['create'] | ['update'] | ['delete'] | ['no-op'] | ['delete', 'create'];

/** One planned change of one resource. */
export interface PlannedChange {
  address: string;
  type: string;
  name: string;
  actions: Actions;
  before: Attributes | null;
  after: Attributes | null;
  /** For a replace: the attributes that force it (Terraform's `replace_paths`). */
  replace_paths?: string[][];
}

/** A saved plan: exactly what `apply` will do, and the state it was planned against. */
export interface SavedPlan {
  format: 'local-files-plan';
  version: 1;
  workspace: string;
  root: string;
  lineage: string;
  serial: number;
  changes: PlannedChange[];
}

const same = (a: Attributes, b: Attributes) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** Plans every resource: desired ones are created, updated, replaced or left; the rest deleted. */
export function planChanges(desired: DesiredResource[], state: State, root: string): PlannedChange[] {
  const changes: PlannedChange[] = [];
  const wanted = new Map(desired.map((r) => [addressOf(r), r]));
  for (const current of state.resources) {
    const before = readObject(root, current.type, current.attributes) ?? null;
    const want = wanted.get(current.address);
    const base = { address: current.address, type: current.type, name: current.name };
    if (!want) {
      // Already gone outside the tool: nothing to do; apply drops it from state.
      if (before) changes.push({ ...base, actions: ['delete'], before, after: null });
      continue;
    }
    wanted.delete(current.address);
    const after = desiredAttributes(want);
    if (!before) changes.push({ ...base, actions: ['create'], before: null, after });
    else if (before.path !== after.path) {
      changes.push({ ...base, actions: ['delete', 'create'], before, after, replace_paths: [['path']] });
    } else if (same(before, after)) changes.push({ ...base, actions: ['no-op'], before, after });
    else changes.push({ ...base, actions: ['update'], before, after });
  }
  for (const want of wanted.values()) {
    changes.push({
      address: addressOf(want),
      type: want.type,
      name: want.name,
      actions: ['create'],
      before: null,
      after: desiredAttributes(want),
    });
  }
  return changes.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** One resource changed behind the tool's back: as recorded in state, and as it really is now. */
export interface DriftedObject {
  address: string;
  type: string;
  name: string;
  actions: ['update'] | ['delete'];
  before: Attributes;
  after: Attributes | null;
}

/**
 * What changed since the last apply without the tool: every resource in state whose real object
 * differs from what the state recorded, or is gone (Terraform's `resource_drift`).
 */
export function planDrift(state: State, root: string): DriftedObject[] {
  const drift: DriftedObject[] = [];
  for (const current of state.resources) {
    const real = readObject(root, current.type, current.attributes);
    const base = {
      address: current.address,
      type: current.type,
      name: current.name,
      before: current.attributes,
    };
    if (!real) drift.push({ ...base, actions: ['delete'], after: null });
    else if (!same(real, current.attributes)) drift.push({ ...base, actions: ['update'], after: real });
  }
  return drift.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** One entry of `resource_changes` or `resource_drift`: the same shape in Terraform's JSON plan. */
function terraformEntry(c: {
  address: string;
  type: string;
  name: string;
  actions: string[];
  before: Attributes | null;
  after: Attributes | null;
  replace_paths?: string[][];
}) {
  return {
    address: c.address,
    mode: 'managed',
    type: c.type,
    name: c.name,
    provider_name: 'example.local/signoff/local-files',
    change: {
      actions: c.actions,
      before: c.before,
      after: c.after,
      after_unknown: {},
      before_sensitive: c.before ? {} : false,
      after_sensitive: c.after ? {} : false,
      ...(c.replace_paths ? { replace_paths: c.replace_paths } : {}),
    },
  };
}

/**
 * Writes the changes in Terraform's JSON plan format (`terraform show -json`), format 1.2, with
 * `resource_drift` when something changed behind the tool's back (left out when nothing did, as
 * Terraform leaves it out).
 */
export function toTerraformJson(
  changes: PlannedChange[],
  now: Date,
  drift: DriftedObject[] = [],
): Record<string, unknown> {
  return {
    ...(drift.length > 0 ? { resource_drift: drift.map(terraformEntry) } : {}),
    format_version: '1.2',
    applyable: changes.some((c) => c.actions[0] !== 'no-op'),
    complete: true,
    errored: false,
    resource_changes: changes.map((c) => ({
      ...terraformEntry(c),
      ...(c.actions.length === 2 ? { action_reason: 'replace_because_cannot_update' } : {}),
    })),
    timestamp: now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

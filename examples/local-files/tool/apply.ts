/** Applies a saved plan, exactly, and only if nothing changed since it was made. */
import { readObject, removeObject, writeObject } from './objects.ts';
import type { PlannedChange, SavedPlan } from './plan.ts';
import { lineageOf, type State } from './state.ts';

const has = (c: PlannedChange, action: string) => (c.actions as readonly string[]).includes(action);

const depth = (c: PlannedChange, side: 'before' | 'after') => (c[side]?.path ?? '').split('/').length;

/** Why the saved plan cannot be applied to the current state, or undefined when it can. */
export function staleReason(plan: SavedPlan, state: State): string | undefined {
  if (state.lineage !== plan.lineage || state.serial !== plan.serial) {
    return `the state changed since the plan (planned against serial ${plan.serial}, now ${state.serial})`;
  }
  for (const c of plan.changes) {
    const recorded = state.resources.find((r) => r.address === c.address);
    const now = recorded ? readObject(plan.root, c.type, recorded.attributes) : undefined;
    if (JSON.stringify(now ?? null) !== JSON.stringify(c.before)) {
      return `${c.address} changed outside the tool since the plan`;
    }
  }
  return undefined;
}

/** Performs the plan's changes (deletes deepest first, then creates shallowest first) and returns the new state. */
export function applyPlan(plan: SavedPlan, state: State, log: (line: string) => void): State {
  const removals = plan.changes.filter((c) => has(c, 'delete'));
  const writes = plan.changes.filter((c) => has(c, 'create') || c.actions[0] === 'update');
  removals.sort((a, b) => depth(b, 'before') - depth(a, 'before'));
  writes.sort((a, b) => depth(a, 'after') - depth(b, 'after') || (a.type === 'local_directory' ? -1 : 1));
  for (const c of removals) {
    if (c.before) removeObject(plan.root, c.type, c.before);
    log(`${c.address}: destroyed`);
  }
  for (const c of writes) {
    if (c.after) writeObject(plan.root, c.type, c.after);
    log(`${c.address}: ${c.actions[0] === 'update' ? 'updated' : 'created'}`);
  }
  return {
    ...state,
    lineage: lineageOf(state),
    serial: state.serial + 1,
    resources: plan.changes
      .filter((c) => c.after !== null)
      .map((c) => ({ address: c.address, type: c.type, name: c.name, attributes: c.after ?? {} })),
  };
}

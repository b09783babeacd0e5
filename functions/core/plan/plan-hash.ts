/**
 * The plan hash: what approvers approved, so apply can tell whether the re-plan would do
 * the same thing.
 *
 * It is SHA-256 (hex) over the canonical JSON (sorted keys) of the plan's
 * `resource_changes`, sorted by address, after leaving out what does not belong to the
 * intended change:
 * - everything outside `resource_changes` (`timestamp`, `format_version`,
 *   `terraform_version`, `prior_state`, `planned_values`, `configuration`, `variables`,
 *   `output_changes`): state snapshots, tool versions and clock readings that differ
 *   between two plans of the same change;
 * - entries that change nothing: `no-op` (unless the resource moves or is imported) and
 *   data source `read`s, so a refresh that updates an untouched resource's attributes is
 *   not drift;
 * - `action_reason`: it says why Terraform chose an action (tainted, cannot update,
 *   no config), not what the action does; the actions and values are hashed.
 * Everything else stays, including `before` (the values being changed from),
 * `after_unknown` and the sensitivity markers.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { classifyActions, isInfraChange } from './classify-actions.ts';
import type { ResourceChange, TerraformPlan } from './terraform-plan.ts';

/** Resource-change fields that say why, not what; left out of the hash. */
export const UNHASHED_FIELDS = ['action_reason'] as const;

/** Whether an entry is part of the intended change (see the module comment). */
export function isHashed(rc: ResourceChange): boolean {
  return (
    isInfraChange(classifyActions(rc.change.actions)) ||
    rc.previous_address !== undefined ||
    rc.change.importing !== undefined
  );
}

/** The entry's identity in a plan: its address, plus the deposed key for a deposed object. */
export function changeKey(rc: ResourceChange): string {
  return rc.deposed === undefined ? rc.address : `${rc.address} (deposed ${rc.deposed})`;
}

function stripped(rc: ResourceChange): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...rc };
  for (const field of UNHASHED_FIELDS) delete copy[field];
  return copy;
}

/** The hashed entries as canonical JSON text, by key. */
function canonicalChanges(plan: TerraformPlan): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const rc of plan.resource_changes) {
    if (isHashed(rc)) byKey.set(changeKey(rc), canonicalJson(stripped(rc)));
  }
  return byKey;
}

/** SHA-256 hex of the plan's intended change; equal for two plans that would do the same thing. */
export function computePlanHash(plan: TerraformPlan): string {
  const entries = [...canonicalChanges(plan)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = `[${entries.map(([, json]) => json).join(',')}]`;
  return createHash('sha256').update(text).digest('hex');
}

/** The addresses whose hashed change differs between two plans (present in one only, or different). */
export function diffResourceChanges(a: TerraformPlan, b: TerraformPlan): string[] {
  const left = canonicalChanges(a);
  const right = canonicalChanges(b);
  const differing = new Set<string>();
  for (const [key, json] of left) if (right.get(key) !== json) differing.add(key);
  for (const key of right.keys()) if (!left.has(key)) differing.add(key);
  return [...differing].sort();
}

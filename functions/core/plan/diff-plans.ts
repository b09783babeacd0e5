/**
 * What changed between the approved plan and the re-plan an apply refused (plan drift), per
 * resource: entries only the re-plan has (added), entries only the approved plan had (removed),
 * and entries in both whose hashed change differs (changed), with the attributes that differ.
 * It compares the same entries the plan hash covers (see plan-hash.ts), so every address the
 * drift check names appears here. Values Terraform marks sensitive in either plan are masked.
 */
import { canonicalJson } from './canonical-json.ts';
import { type ChangeKind, classifyActions } from './classify-actions.ts';
import { changeKey, isHashed, UNHASHED_FIELDS } from './plan-hash.ts';
import type { ResourceChange, TerraformPlan } from './terraform-plan.ts';

/** One attribute that differs: its value in the approved plan and in the re-plan. */
export interface AttributeDiff {
  /** `planned`: the value the change would set (`after`); `prior`: the value it starts from (`before`). */
  side: 'planned' | 'prior';
  name: string;
  approved?: string;
  current?: string;
}

/** One resource whose change differs between the two plans. */
export interface ResourceDiff {
  address: string;
  /** `added`: only the re-plan changes it; `removed`: only the approved plan did; `changed`: both, differently. */
  kind: 'added' | 'removed' | 'changed';
  approved_action?: ChangeKind;
  current_action?: ChangeKind;
  attributes: AttributeDiff[];
  /** More attributes differ than are listed. */
  attributes_truncated?: boolean;
}

/** The per-resource diff of two plans. */
export interface PlanDiff {
  resources: ResourceDiff[];
  /** More resources differ than are listed. */
  truncated: boolean;
}

/** Shown instead of a value Terraform marks sensitive. */
export const SENSITIVE = '(sensitive)';
/** Shown for a value known only after apply. */
export const UNKNOWN = '(known after apply)';
const MAX_RESOURCES = 200;
const MAX_ATTRIBUTES = 40;
const MAX_VALUE = 300;

/** Diffs the approved plan against the current one (see the module comment). */
export function diffPlans(approved: TerraformPlan, current: TerraformPlan): PlanDiff {
  const left = hashedEntries(approved);
  const right = hashedEntries(current);
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  const resources: ResourceDiff[] = [];
  let differing = 0;
  for (const key of keys) {
    const a = left.get(key);
    const b = right.get(key);
    if (a && b && canonicalJson(stripped(a)) === canonicalJson(stripped(b))) continue;
    differing++;
    if (resources.length >= MAX_RESOURCES) continue;
    resources.push(resourceDiff(key, a, b));
  }
  return { resources, truncated: differing > resources.length };
}

function hashedEntries(plan: TerraformPlan): Map<string, ResourceChange> {
  const byKey = new Map<string, ResourceChange>();
  for (const rc of plan.resource_changes) if (isHashed(rc)) byKey.set(changeKey(rc), rc);
  return byKey;
}

function stripped(rc: ResourceChange): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...rc };
  for (const field of UNHASHED_FIELDS) delete copy[field];
  return copy;
}

function resourceDiff(
  address: string,
  a: ResourceChange | undefined,
  b: ResourceChange | undefined,
): ResourceDiff {
  const approved_action = a ? classifyActions(a.change.actions) : undefined;
  const current_action = b ? classifyActions(b.change.actions) : undefined;
  const kind = !a ? 'added' : !b ? 'removed' : 'changed';
  const all = [...sideDiffs('planned', a, b), ...sideDiffs('prior', a, b)];
  return {
    address,
    kind,
    ...(approved_action ? { approved_action } : {}),
    ...(current_action ? { current_action } : {}),
    attributes: all.slice(0, MAX_ATTRIBUTES),
    ...(all.length > MAX_ATTRIBUTES ? { attributes_truncated: true } : {}),
  };
}

/** The top-level attributes whose value (or sensitivity, or unknown-ness) differs on one side. */
function sideDiffs(
  side: AttributeDiff['side'],
  a: ResourceChange | undefined,
  b: ResourceChange | undefined,
): AttributeDiff[] {
  const valuesOf = (rc: ResourceChange | undefined) =>
    asObject(side === 'planned' ? rc?.change.after : rc?.change.before);
  const marksOf = (rc: ResourceChange | undefined) =>
    side === 'planned' ? rc?.change.after_sensitive : rc?.change.before_sensitive;
  const unknownOf = (rc: ResourceChange | undefined) =>
    side === 'planned' ? asObject(rc?.change.after_unknown) : {};
  const [va, vb] = [valuesOf(a), valuesOf(b)];
  const [ua, ub] = [unknownOf(a), unknownOf(b)];
  const names = new Set([...Object.keys(va), ...Object.keys(vb), ...Object.keys(ua), ...Object.keys(ub)]);
  const diffs: AttributeDiff[] = [];
  for (const name of [...names].sort()) {
    const sameValue = canonicalJson(va[name] ?? null) === canonicalJson(vb[name] ?? null);
    const sameUnknown = canonicalJson(ua[name] ?? false) === canonicalJson(ub[name] ?? false);
    const sensitive = isMarked(marksOf(a), name) || isMarked(marksOf(b), name);
    if (sameValue && sameUnknown && isMarked(marksOf(a), name) === isMarked(marksOf(b), name)) continue;
    const show = (
      rc: ResourceChange | undefined,
      values: Record<string, unknown>,
      unknown: Record<string, unknown>,
    ) => {
      if (!rc) return undefined;
      if (unknown[name] === true) return UNKNOWN;
      if (!(name in values)) return undefined;
      return sensitive ? SENSITIVE : text(values[name]);
    };
    const approved = show(a, va, ua);
    const current = show(b, vb, ub);
    diffs.push({
      side,
      name,
      ...(approved !== undefined ? { approved } : {}),
      ...(current !== undefined ? { current } : {}),
    });
  }
  return diffs;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Whether Terraform's sensitivity marks cover the attribute, wholly or in part. */
function isMarked(marks: unknown, name: string): boolean {
  if (marks === true) return true;
  const mark = asObject(marks)[name];
  return (
    mark === true || (typeof mark === 'object' && mark !== null && JSON.stringify(mark).includes('true'))
  );
}

function text(value: unknown): string {
  const out = JSON.stringify(value ?? null);
  return out.length > MAX_VALUE ? `${out.slice(0, MAX_VALUE)}…` : out;
}

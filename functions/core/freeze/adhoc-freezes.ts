/**
 * Ad-hoc freezes: an admin starts one now (an incident, a launch), for a while or until it is
 * ended, and ends it. Each is audited in its own trail (`freeze_started`, `freeze_ended`, keyed by
 * the freeze's id); anyone else is refused with 403, audited `refused`. The listing shows what is
 * in effect and what is to come, configured windows and ad-hoc freezes alike.
 */

import { FREEZE_APPLY, type FreezeApply } from '../../../statemachines/freeze-times.ts';
import type { FreezeDefinition } from '../../../statemachines/freezes.ts';
import type { Directory, DirectoryUser } from '../../../statemachines/schema.ts';
import type { IdentityStore } from '../auth/identity-store.ts';
import { requireAdmin } from '../auth/require-admin.ts';
import type { AuditLog, Clock, FreezeStore } from '../ports.ts';
import { newRunId } from '../runs/start-run.ts';
import type { WorkflowCatalog } from '../runs/workflow-catalog.ts';
import { type AdhocFreeze, type FreezeWindow, freezeWindows } from './freeze-windows.ts';

export interface AdhocFreezeDeps {
  freezes: FreezeStore;
  freezeWindows: readonly FreezeDefinition[];
  audit: AuditLog;
  directory: Directory;
  identities?: Pick<IdentityStore, 'get' | 'list'>;
  workflows: Pick<WorkflowCatalog, 'all'>;
  now: Clock;
}

/** A freeze as asked for (`POST /api/freezes`): the body's fields, unchecked. */
export interface StartFreezeRequest {
  actor: string;
  reason?: unknown;
  environments?: unknown;
  workflows?: unknown;
  apply?: unknown;
  /** How long, as `30m`, `4h`, `2d`; absent: until an admin ends it. */
  duration?: unknown;
}

export type FreezeOutcome =
  | { kind: 'ok'; freeze: AdhocFreeze }
  | { kind: 'refused'; status: 400 | 403 | 404; message: string };

/** The workflow name the audit's workflow index files freeze events under: no workflow can be named so. */
export const FREEZE_AUDIT_WORKFLOW = '*';
const MAX_REASON = 500;
const MAX_DURATION_SECONDS = 90 * 86_400;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;

/** Starts an ad-hoc freeze now, if the caller is an admin and the request holds together. */
export async function startFreeze(
  deps: AdhocFreezeDeps,
  request: StartFreezeRequest,
): Promise<FreezeOutcome> {
  const admin = await adminOrRefuse(deps, request.actor, 'freeze_start');
  if ('kind' in admin) return admin;
  const problem = (message: string): FreezeOutcome => ({ kind: 'refused', status: 400, message });
  const reason = typeof request.reason === 'string' ? request.reason.trim() : '';
  if (!reason)
    return problem('reason is required: say why changes are frozen (it is shown on every held apply)');
  if (reason.length > MAX_REASON) return problem(`reason is longer than ${MAX_REASON} characters`);
  const all = deps.workflows.all();
  const environments = names(request.environments, 'environments', new Set(all.map((w) => w.environment)));
  if (typeof environments === 'string') return problem(environments);
  const workflows = names(request.workflows, 'workflows', new Set(all.map((w) => w.name)));
  if (typeof workflows === 'string') return problem(workflows);
  const apply = request.apply ?? 'wait';
  if (!FREEZE_APPLY.includes(apply as FreezeApply)) return problem('apply must be wait or fail');
  const now = deps.now();
  let endsAt: string | undefined;
  if (request.duration !== undefined) {
    if (typeof request.duration !== 'string' || !/^[1-9][0-9]*(m|h|d)$/.test(request.duration))
      return problem('duration must be a number followed by m, h or d (for example 30m, 4h, 2d)');
    // Not the workflow language's parseDuration: its module carries the schema library into the API's bundle.
    const seconds =
      Number(request.duration.slice(0, -1)) * UNIT_SECONDS[request.duration.slice(-1) as 'm' | 'h' | 'd'];
    if (seconds > MAX_DURATION_SECONDS) return problem('duration must be at most 90d');
    endsAt = new Date(now + seconds * 1000).toISOString();
  }
  const freeze: AdhocFreeze = {
    id: `freeze-${newRunId(now)}`,
    reason,
    environments,
    workflows,
    apply: apply as FreezeApply,
    started_at: new Date(now).toISOString(),
    started_by: admin.email,
    ...(endsAt ? { ends_at: endsAt } : {}),
  };
  await deps.freezes.add(freeze);
  await deps.audit.append({
    action: 'freeze_started',
    actor: { email: admin.email, name: admin.name },
    workflow: FREEZE_AUDIT_WORKFLOW,
    run_id: freeze.id,
    at: freeze.started_at,
    reason,
    channel: 'api',
    details: {
      environments,
      workflows,
      apply: freeze.apply,
      ...(endsAt ? { ends_at: endsAt } : { ends_at: 'when an admin ends it' }),
    },
  });
  return { kind: 'ok', freeze };
}

/** Ends an ad-hoc freeze now, if the caller is an admin and it has not ended. */
export async function endFreeze(deps: AdhocFreezeDeps, actor: string, id: string): Promise<FreezeOutcome> {
  const admin = await adminOrRefuse(deps, actor, 'freeze_end');
  if ('kind' in admin) return admin;
  const at = new Date(deps.now()).toISOString();
  const ended = await deps.freezes.end(id.slice(0, 80), at, admin.email);
  if (!ended)
    return {
      kind: 'refused',
      status: 404,
      message: `no ad-hoc freeze ${id.slice(0, 80)} is in effect or to come`,
    };
  await deps.audit.append({
    action: 'freeze_ended',
    actor: { email: admin.email, name: admin.name },
    workflow: FREEZE_AUDIT_WORKFLOW,
    run_id: ended.id,
    at,
    reason: `Ended the freeze early (${ended.reason})`,
    channel: 'api',
    details: { started_at: ended.started_at, started_by: ended.started_by },
  });
  return { kind: 'ok', freeze: ended };
}

/** A freeze window as the API and pages show it. */
export interface FreezeView {
  /** The configured freeze's name, or the ad-hoc freeze's id (which `end` takes). */
  name: string;
  reason: string;
  adhoc: boolean;
  apply: FreezeApply;
  /** Empty for both: every workflow. */
  environments: string[];
  workflows: string[];
  starts_at: string;
  /** Null: until an admin ends it. */
  ends_at: string | null;
  timezone: string;
}

export function freezeView(w: FreezeWindow): FreezeView {
  return {
    name: w.name,
    reason: w.reason,
    adhoc: w.adhoc,
    apply: w.apply,
    environments: w.environments,
    workflows: w.workflows,
    starts_at: new Date(w.start).toISOString(),
    ends_at: w.end === undefined ? null : new Date(w.end).toISOString(),
    timezone: w.timezone,
  };
}

/** The freezes in effect at `now` and those starting within the horizon (two weeks), configured and ad hoc. */
export async function listFreezes(
  deps: Pick<AdhocFreezeDeps, 'freezes' | 'freezeWindows' | 'now'>,
  horizonMs = 14 * 86_400_000,
): Promise<{ active: FreezeView[]; upcoming: FreezeView[] }> {
  const now = deps.now();
  const windows = freezeWindows(deps.freezeWindows, await deps.freezes.list(), now, now + horizonMs);
  return {
    active: windows.filter((w) => w.start <= now).map(freezeView),
    upcoming: windows.filter((w) => w.start > now).map(freezeView),
  };
}

async function adminOrRefuse(
  deps: AdhocFreezeDeps,
  actor: string,
  attempted: string,
): Promise<DirectoryUser | Extract<FreezeOutcome, { kind: 'refused' }>> {
  const message = 'only admins may start or end a freeze';
  const admin = await requireAdmin(deps, actor, {
    message,
    attempted,
    workflow: FREEZE_AUDIT_WORKFLOW,
    run_id: `refused-${newRunId(deps.now())}`,
  });
  return admin ?? { kind: 'refused', status: 403, message };
}

/** A list of known names, or what is wrong with it. */
function names(value: unknown, field: string, known: Set<string>): string[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    return `${field} must be a list of names`;
  const unknown = value.filter((v) => !known.has(v));
  if (unknown.length > 0)
    return `${field}: ${unknown.map((v) => `"${v.slice(0, 80)}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not known (known: ${[...known].sort().join(', ')})`;
  return [...new Set(value)];
}

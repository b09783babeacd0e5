/**
 * When freezes are in effect: the windows of `config/freezes.yaml` and the ad-hoc freezes admins
 * start, as instants, and what they mean for one workflow at one moment. Pure: no I/O, no clock.
 *
 * Local times become instants in the freeze's zone across DST changes: a window starts at the
 * first instant its clock reads the start (the earlier reading of a repeated hour; the moment the
 * clocks jump over a skipped one) and ends at the last instant its clock reads the end, so a
 * change of the clocks never shortens a freeze.
 */
import {
  DATE_TIME,
  type FreezeApply,
  localDateTime,
  MONTHS,
  WEEKDAYS,
  WEEKLY_TIME,
  YEARLY_TIME,
} from '../../../statemachines/freeze-times.ts';
import type { FreezeDefinition } from '../../../statemachines/freezes.ts';
import { firstInstantFrom, lastInstantOf, wallClock } from '../../../statemachines/time-zone.ts';

const DAY = 86_400_000;

/** An ad-hoc freeze an admin started (`signoff freeze add`), as stored. */
export interface AdhocFreeze {
  id: string;
  reason: string;
  environments: string[];
  workflows: string[];
  apply: FreezeApply;
  started_at: string;
  started_by: string;
  /** When it ends by itself; absent: until an admin ends it. */
  ends_at?: string;
  ended_at?: string;
  ended_by?: string;
}

/** One stretch of time a freeze is in effect. */
export interface FreezeWindow {
  /** The config freeze's name, or the ad-hoc freeze's id. */
  name: string;
  reason: string;
  apply: FreezeApply;
  environments: string[];
  workflows: string[];
  start: number;
  /** Undefined: until an admin ends it. */
  end: number | undefined;
  /** The zone its times are written in (UTC for ad-hoc freezes). */
  timezone: string;
  adhoc: boolean;
}

/** What freezes mean for one workflow at one moment. */
export interface FreezeStatus {
  /** The windows in effect now. */
  active: FreezeWindow[];
  /** When the freeze (with every window overlapping or touching it) ends; undefined: not frozen, or until ended. */
  until: number | undefined;
  /** `fail` when any window in effect says so. */
  apply: FreezeApply;
  /** Windows that start within the horizon, soonest first. */
  upcoming: FreezeWindow[];
}

/** The windows of one configured freeze in effect at some moment of [from, to]. */
export function windowsOf(def: FreezeDefinition, from: number, to: number): FreezeWindow[] {
  const window = (start: number, end: number): FreezeWindow => ({
    name: def.name,
    reason: def.reason,
    apply: def.apply,
    environments: def.environments,
    workflows: def.workflows,
    start,
    end,
    timezone: def.timezone,
    adhoc: false,
  });
  const zone = def.timezone;
  const out: FreezeWindow[] = [];
  const keep = (startLocal: number, endLocal: number) => {
    const start = firstInstantFrom(startLocal, zone);
    const end = lastInstantOf(endLocal, zone);
    if (start <= to && end > from) out.push(window(start, end));
  };
  if (def.weekly) {
    const start = weekly(def.weekly.from);
    const end = weekly(def.weekly.to);
    let days = (end.day - start.day + 7) % 7;
    if (days === 0 && end.minutes <= start.minutes) days = 7;
    // A weekly window is at most 7 days long: start looking 8 local days back.
    const first = localDay(from, zone) - 8 * DAY;
    for (let day = first; day <= localDay(to, zone) + DAY; day += DAY) {
      if (new Date(day).getUTCDay() !== start.day) continue;
      keep(day + start.minutes * 60_000, day + days * DAY + end.minutes * 60_000);
    }
  } else if (def.yearly) {
    const start = yearly(def.yearly.from);
    const end = yearly(def.yearly.to);
    const firstYear = new Date(localDay(from, zone)).getUTCFullYear() - 1;
    const lastYear = new Date(localDay(to, zone)).getUTCFullYear();
    for (let year = firstYear; year <= lastYear; year++) {
      const startLocal = Date.UTC(year, start.month, start.day, 0, start.minutes);
      let endLocal = Date.UTC(year, end.month, end.day, 0, end.minutes);
      if (endLocal <= startLocal) endLocal = Date.UTC(year + 1, end.month, end.day, 0, end.minutes);
      keep(startLocal, endLocal);
    }
  } else if (def.from && def.to && DATE_TIME.test(def.from)) {
    keep(localDateTime(def.from), localDateTime(def.to));
  }
  return out;
}

/** An ad-hoc freeze's window, or undefined once it was ended before it started. */
export function adhocWindow(freeze: AdhocFreeze): FreezeWindow | undefined {
  const start = Date.parse(freeze.started_at);
  const stops = endOf(freeze);
  const end = stops === undefined ? undefined : Date.parse(stops);
  if (end !== undefined && end <= start) return undefined;
  return {
    name: freeze.id,
    reason: freeze.reason,
    apply: freeze.apply,
    environments: freeze.environments,
    workflows: freeze.workflows,
    start,
    end,
    timezone: 'UTC',
    adhoc: true,
  };
}

/** When a freeze stops: ended by an admin or by its own end, whichever is first. */
export function endOf(freeze: AdhocFreeze): string | undefined {
  const ends = [freeze.ended_at, freeze.ends_at].filter((t): t is string => t !== undefined).sort();
  return ends[0];
}

/** A freeze that has not stopped by `at`. */
export function inEffectOrToCome(freeze: AdhocFreeze, at: string): boolean {
  const end = endOf(freeze);
  return end === undefined || end > at;
}

/** Every window, configured or ad hoc, in effect at some moment of [from, to], by start. */
export function freezeWindows(
  config: readonly FreezeDefinition[],
  adhoc: readonly AdhocFreeze[],
  from: number,
  to: number,
): FreezeWindow[] {
  return [
    ...config.flatMap((def) => windowsOf(def, from, to)),
    ...adhoc.map(adhocWindow).filter((w): w is FreezeWindow => w !== undefined),
  ]
    .filter((w) => w.start <= to && (w.end === undefined || w.end > from))
    .sort((a, b) => a.start - b.start);
}

/** Whether a window covers the workflow: it names it or its environment, or names neither. */
export function covers(window: FreezeWindow, workflow: { name: string; environment: string }): boolean {
  if (window.environments.length === 0 && window.workflows.length === 0) return true;
  return window.environments.includes(workflow.environment) || window.workflows.includes(workflow.name);
}

/** How far ahead a chain of overlapping windows is followed to find when a freeze ends. */
const CHAIN_LIMIT = 2 * 366 * DAY;

/**
 * What the configured and ad-hoc freezes mean for `workflow` at `now`: the windows in effect,
 * when they end (following every window that overlaps or touches them), and those that start
 * within `horizonMs`.
 */
export function freezeStatus(
  config: readonly FreezeDefinition[],
  adhoc: readonly AdhocFreeze[],
  workflow: { name: string; environment: string },
  now: number,
  horizonMs = 14 * DAY,
): FreezeStatus {
  const windowsBetween = (from: number, to: number) =>
    freezeWindows(config, adhoc, from, to).filter((w) => covers(w, workflow));
  const near = windowsBetween(now, now + horizonMs);
  const active = near.filter((w) => w.start <= now);
  const upcoming = near.filter((w) => w.start > now).sort((a, b) => a.start - b.start);
  if (active.length === 0) return { active, until: undefined, apply: 'wait', upcoming };

  let until: number | undefined = Math.max(...active.map((w) => w.end ?? Number.POSITIVE_INFINITY));
  // Follow the windows that start before the freeze ends: it ends when none does.
  while (until !== undefined && Number.isFinite(until) && until < now + CHAIN_LIMIT) {
    const end: number = until;
    const next = windowsBetween(end, end + 8 * DAY).filter((w) => w.start <= end);
    const later = Math.max(end, ...next.map((w) => w.end ?? Number.POSITIVE_INFINITY));
    if (later === end) break;
    until = later;
  }
  return {
    active,
    until: until !== undefined && Number.isFinite(until) ? until : undefined,
    apply: active.some((w) => w.apply === 'fail') ? 'fail' : 'wait',
    upcoming,
  };
}

/** The local midnight (as a local value) of the day `instant` falls on in `zone`. */
function localDay(instant: number, zone: string): number {
  const local = wallClock(instant, zone);
  return local - (local % DAY);
}

function weekly(text: string): { day: number; minutes: number } {
  const m = WEEKLY_TIME.exec(text);
  if (!m) throw new Error(`not a weekday and time: ${text}`);
  const day = WEEKDAYS.indexOf((m[1] as string).toLowerCase() as (typeof WEEKDAYS)[number]);
  return { day, minutes: Number(m[2]) * 60 + Number(m[3]) };
}

function yearly(text: string): { month: number; day: number; minutes: number } {
  const m = YEARLY_TIME.exec(text);
  if (!m) throw new Error(`not a month, day and time: ${text}`);
  const month = MONTHS.indexOf((m[1] as string).toLowerCase() as (typeof MONTHS)[number]);
  return { month, day: Number(m[2]), minutes: Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0) };
}

/**
 * Reading an IANA time zone's wall clock, and finding the instants a wall-clock time names, with
 * Intl only (no time-zone library). Schedules (schedule.ts) and freeze windows (freezes.ts) both
 * speak in a zone's local times; these helpers turn them into instants across DST changes.
 */

/** Whether `timeZone` is an IANA time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** One formatter per time zone: a search reads a zone's clock many times. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The fields of `instant` as `timeZone`'s clock shows it (two digits each; the zone's short name). */
function zoneParts(instant: number, timeZone: string): Record<string, string> {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, format);
  }
  return Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
}

/**
 * `timeZone`'s wall clock at `instant`, as the epoch milliseconds of that reading in UTC (a
 * "local" value: Date's UTC getters read its fields).
 */
export function wallClock(instant: number, timeZone: string): number {
  const p = zoneParts(instant, timeZone);
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
}

/** Minutes east of UTC at `instant`. */
function offsetMinutes(instant: number, timeZone: string): number {
  return Math.round((wallClock(instant, timeZone) - instant) / 60_000);
}

/**
 * Every instant whose wall clock in `timeZone` reads the local time `local`, earliest first:
 * none when the clocks skip it (spring), two when they repeat it (autumn), otherwise one.
 */
export function instantsOf(local: number, timeZone: string): number[] {
  const candidates = new Set(
    [local - 86_400_000, local, local + 86_400_000].map(
      (probe) => local - offsetMinutes(probe, timeZone) * 60_000,
    ),
  );
  return [...candidates].filter((t) => wallClock(t, timeZone) === local).sort((a, b) => a - b);
}

/**
 * The first instant at which `timeZone`'s clock reads `local` or later: the time itself, its
 * first reading when the clocks repeat it, and the moment the clocks jump when they skip it.
 */
export function firstInstantFrom(local: number, timeZone: string): number {
  const exact = instantsOf(local, timeZone);
  if (exact.length > 0) return exact[0] as number;
  // Skipped: search the minute the clocks jump past it. No zone is more than 14 hours from UTC,
  // and within a day of a spring change the clock only moves forward.
  let lo = local - 15 * 3_600_000;
  let hi = local + 15 * 3_600_000;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (wallClock(mid, timeZone) >= local) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The last instant at which `timeZone`'s clock first reads `local`: the time itself, its second
 * reading when the clocks repeat it, and the moment the clocks jump when they skip it.
 */
export function lastInstantOf(local: number, timeZone: string): number {
  const exact = instantsOf(local, timeZone);
  return exact.length > 0 ? (exact[exact.length - 1] as number) : firstInstantFrom(local, timeZone);
}

/** `2026-12-05 08:00 GMT+1`: an instant as `timeZone` reads it. */
export function formatInZone(instant: Date, timeZone: string): string {
  const parts = zoneParts(instant.getTime(), timeZone);
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

/**
 * A workflow's `triggers.schedule`: a five-field cron expression (minute hour day-of-month month
 * day-of-week) in an IANA time zone. It is checked when a workflow loads, computes its next run
 * times as EventBridge Scheduler would, and is written in Scheduler's own cron syntax for the
 * stack. Scheduler's rules, which the local runtime follows too (EventBridge Scheduler User
 * Guide, "Schedule types", "Daylight savings time"):
 * - a time the clocks skip in spring does not run that day;
 * - a time the clocks repeat in autumn runs once, the first time;
 * - day-of-month and day-of-week cannot both be restricted (one of them must be `?`).
 */

import { instantsOf, isTimeZone, wallClock } from './time-zone.ts';

export { formatInZone } from './time-zone.ts';

/** One parsed field: the values it allows, and whether it was `*` (unrestricted). */
interface CronField {
  values: number[];
  any: boolean;
}

/** A parsed expression. Days of the week are 0 (Sunday) to 6. */
export interface CronSchedule {
  minute: CronField;
  hour: CronField;
  dayOfMonth: CronField;
  month: CronField;
  dayOfWeek: CronField;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // 7 is Sunday too, as in cron.
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
] as const;

/** Thrown for an expression or time zone that cannot be used; the message says which part and why. */
export class ScheduleError extends Error {}

/** Parses a five-field cron expression; throws ScheduleError saying which field is wrong. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new ScheduleError(
      `"${expression}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; a schedule needs 5: minute hour day-of-month month day-of-week`,
    );
  const [minute, hour, dayOfMonth, month, dayOfWeek] = parts.map((text, i) =>
    parseField(text, FIELDS[i] as Field),
  );
  const schedule = { minute, hour, dayOfMonth, month, dayOfWeek } as CronSchedule;
  schedule.dayOfWeek.values = [...new Set(schedule.dayOfWeek.values.map((d) => d % 7))].sort((a, b) => a - b);
  if (!schedule.dayOfMonth.any && !schedule.dayOfWeek.any)
    throw new ScheduleError(
      `"${expression}" restricts both the day of the month and the day of the week; EventBridge Scheduler takes one of them, so use * for the other`,
    );
  return schedule;
}

type Field = { name: string; min: number; max: number; names?: readonly string[]; namesFrom?: number };

function parseField(text: string, field: Field): CronField {
  if (text === '*' || text === '?') return { values: range(field.min, field.max), any: true };
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [span = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw fieldError(field, text, `"${stepText}" is not a step`);
    let from: number;
    let to: number;
    if (span === '*') [from, to] = [field.min, field.max];
    else {
      const [a = '', b] = span.split('-');
      from = fieldValue(a, field, text);
      to = b === undefined ? (stepText === undefined ? from : field.max) : fieldValue(b, field, text);
    }
    if (from > to) throw fieldError(field, text, `${from}-${to} runs backwards`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return { values: [...values].sort((a, b) => a - b), any: false };
}

function fieldValue(text: string, field: Field, whole: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + (field.namesFrom ?? 0) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < field.min || value > field.max) {
    const names = field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : '';
    throw fieldError(field, whole, `"${text}" is not ${field.min}-${field.max}${names}`);
  }
  return value;
}

function fieldError(field: Field, text: string, why: string): ScheduleError {
  return new ScheduleError(`the ${field.name} field "${text}": ${why}`);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Throws ScheduleError unless `timeZone` is an IANA time zone this runtime knows. */
export function checkTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone))
    throw new ScheduleError(`"${timeZone}" is not an IANA time zone (for example Europe/Berlin or UTC)`);
}

/** How far ahead the next run is looked for: a schedule such as 29 February runs within 8 years. */
const SEARCH_DAYS = 8 * 366;

/** The next `count` run times after `after` (epoch ms), as EventBridge Scheduler would run them. */
export function nextRunTimes(schedule: CronSchedule, timeZone: string, after: number, count: number): Date[] {
  const out: Date[] = [];
  const start = new Date(wallClock(after, timeZone));
  const firstDay = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (let day = 0; day < SEARCH_DAYS && out.length < count; day++) {
    const date = new Date(firstDay + day * 86_400_000);
    if (!schedule.month.values.includes(date.getUTCMonth() + 1)) continue;
    if (!schedule.dayOfMonth.values.includes(date.getUTCDate())) continue;
    if (!schedule.dayOfWeek.values.includes(date.getUTCDay())) continue;
    for (const hour of schedule.hour.values) {
      for (const minute of schedule.minute.values) {
        // A time read twice runs the first time; a skipped one does not run.
        const instant = instantsOf(date.getTime() + (hour * 60 + minute) * 60_000, timeZone)[0];
        if (instant !== undefined && instant > after) out.push(new Date(instant));
        if (out.length === count) return out;
      }
    }
  }
  return out;
}

/**
 * The expression in EventBridge Scheduler's syntax, `cron(minutes hours day-of-month month
 * day-of-week year)`: the unrestricted day field becomes `?`, days of the week are written by
 * name (Scheduler numbers them 1-7 from Sunday, cron 0-6), and other fields as lists.
 */
export function toSchedulerExpression(schedule: CronSchedule): string {
  const list = (field: CronField) => (field.any ? '*' : field.values.join(','));
  const dayOfMonth = schedule.dayOfMonth.any
    ? schedule.dayOfWeek.any
      ? '*'
      : '?'
    : list(schedule.dayOfMonth);
  const dayOfWeek = schedule.dayOfWeek.any ? '?' : schedule.dayOfWeek.values.map((d) => DAYS[d]).join(',');
  const month = schedule.month.any ? '*' : schedule.month.values.map((m) => MONTHS[m - 1]).join(',');
  return `cron(${list(schedule.minute)} ${list(schedule.hour)} ${dayOfMonth} ${month} ${dayOfWeek} *)`;
}

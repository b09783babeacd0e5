/**
 * The times a freeze window is written in, and what its apply does: the part of
 * `config/freezes.yaml`'s language the functions need at run time, without the schema library
 * (statemachines/freezes.ts validates the file).
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export const MONTHS = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
] as const;

const TIME = '([01][0-9]|2[0-3]):([0-5][0-9])';
/** `Fri 16:00`. */
export const WEEKLY_TIME = new RegExp(`^(${WEEKDAYS.join('|')})[a-z]* ${TIME}$`, 'i');
/** `Dec 20` or `Dec 20 08:00`. */
export const YEARLY_TIME = new RegExp(
  `^(${MONTHS.join('|')})[a-z]* ([1-9]|[12][0-9]|3[01])(?: ${TIME})?$`,
  'i',
);
/** `2027-03-01 09:00` or `2027-03-01`. */
export const DATE_TIME = new RegExp(`^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(?: ${TIME})?$`);

/** What a covered run's apply does during the freeze. */
export const FREEZE_APPLY = ['wait', 'fail'] as const;
export type FreezeApply = (typeof FREEZE_APPLY)[number];

/** `2027-03-01 09:00` as a local value (epoch ms of that reading in UTC). */
export function localDateTime(text: string): number {
  const m = DATE_TIME.exec(text);
  if (!m) throw new Error(`not a date and time: ${text}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
}

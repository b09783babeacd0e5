import { describe, expect, it } from 'vitest';
import {
  checkTimeZone,
  formatInZone,
  nextRunTimes,
  parseCron,
  ScheduleError,
  toSchedulerExpression,
} from '../../../statemachines/schedule.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('parseCron', () => {
  it.each([
    ['0 */4 * * *', 'every 4 hours'],
    ['30 8 * * MON-FRI', 'weekdays by name'],
    ['0 0 1,15 * *', 'a list of days'],
    ['0 16 * DEC,JAN 5', 'month names and a weekday number'],
    ['*/15 9-17 * * 1-5', 'a stepped minute in a range of hours'],
  ])('takes %s (%s)', (expression) => {
    expect(() => parseCron(expression)).not.toThrow();
  });

  it.each([
    ['0 */4 * *', 'has 4 fields; a schedule needs 5'],
    ['61 * * * *', 'the minute field "61": "61" is not 0-59'],
    ['0 24 * * *', 'the hour field "24": "24" is not 0-23'],
    ['0 0 * FOO *', 'the month field "FOO": "FOO" is not 1-12 or JAN-DEC'],
    ['0 0 * * 8', 'the day of week field "8": "8" is not 0-7 or SUN-SAT'],
    ['0 0 5-1 * *', '5-1 runs backwards'],
    ['*/0 * * * *', '"0" is not a step'],
    ['0 0 1 * MON', 'restricts both the day of the month and the day of the week'],
  ])('refuses %s: %s', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(ScheduleError);
    expect(() => parseCron(expression)).toThrow(message);
  });
});

describe('nextRunTimes', () => {
  it('runs every 4 hours of the Berlin clock', () => {
    const from = Date.parse('2026-12-05T09:10:00Z'); // 10:10 in Berlin (UTC+1)
    expect(iso(nextRunTimes(parseCron('0 */4 * * *'), 'Europe/Berlin', from, 3))).toEqual([
      '2026-12-05T11:00:00.000Z',
      '2026-12-05T15:00:00.000Z',
      '2026-12-05T19:00:00.000Z',
    ]);
  });

  it('skips a time the clocks jump over in spring, as EventBridge Scheduler does', () => {
    // Berlin goes from 02:00 to 03:00 on 28 March 2027: there is no 02:30 that day.
    const from = Date.parse('2027-03-26T12:00:00Z');
    expect(iso(nextRunTimes(parseCron('30 2 * * *'), 'Europe/Berlin', from, 3))).toEqual([
      '2027-03-27T01:30:00.000Z',
      '2027-03-29T00:30:00.000Z',
      '2027-03-30T00:30:00.000Z',
    ]);
  });

  it('runs a time the clocks repeat in autumn once, the first time', () => {
    // Berlin goes from 03:00 back to 02:00 on 25 October 2026: 02:30 comes twice.
    const from = Date.parse('2026-10-24T12:00:00Z');
    expect(iso(nextRunTimes(parseCron('30 2 * * *'), 'Europe/Berlin', from, 3))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('keeps to weekdays and the hours given, in the time zone given', () => {
    const from = Date.parse('2026-12-04T22:00:00Z'); // Friday 17:00 in New York
    expect(iso(nextRunTimes(parseCron('0 9 * * MON-FRI'), 'America/New_York', from, 2))).toEqual([
      '2026-12-07T14:00:00.000Z',
      '2026-12-08T14:00:00.000Z',
    ]);
  });

  it('finds a leap day years ahead, and reads day-of-week 7 as Sunday', () => {
    expect(iso(nextRunTimes(parseCron('0 0 29 2 *'), 'UTC', Date.parse('2026-12-05T00:00:00Z'), 1))).toEqual([
      '2028-02-29T00:00:00.000Z',
    ]);
    expect(iso(nextRunTimes(parseCron('0 12 * * 7'), 'UTC', Date.parse('2026-12-05T00:00:00Z'), 1))).toEqual([
      '2026-12-06T12:00:00.000Z',
    ]);
  });
});

describe('toSchedulerExpression', () => {
  it.each([
    ['0 */4 * * *', 'cron(0 0,4,8,12,16,20 * * ? *)'],
    ['30 8 * * 1-5', 'cron(30 8 ? * MON,TUE,WED,THU,FRI *)'],
    ['0 16 * * 5', 'cron(0 16 ? * FRI *)'],
    ['0 0 1 JAN,JUL *', 'cron(0 0 1 JAN,JUL ? *)'],
    ['* * * * *', 'cron(* * * * ? *)'],
  ])('writes %s as %s', (expression, scheduler) => {
    expect(toSchedulerExpression(parseCron(expression))).toBe(scheduler);
  });
});

describe('time zones', () => {
  it('knows IANA names and refuses anything else', () => {
    expect(() => checkTimeZone('Europe/Berlin')).not.toThrow();
    expect(() => checkTimeZone('Mars/Olympus')).toThrow('"Mars/Olympus" is not an IANA time zone');
  });

  it('shows a run time as the zone reads it', () => {
    expect(formatInZone(new Date('2026-12-05T11:00:00Z'), 'Europe/Berlin')).toBe('2026-12-05 12:00 CET');
  });
});

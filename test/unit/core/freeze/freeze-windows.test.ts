import { describe, expect, it } from 'vitest';
import {
  type AdhocFreeze,
  freezeStatus,
  windowsOf,
} from '../../../../functions/core/freeze/freeze-windows.ts';
import { type FreezeDefinition, loadFreezes } from '../../../../statemachines/freezes.ts';
import { formatProblem } from '../../../../statemachines/yaml-source.ts';

const prod = { name: 'production-deploy', environment: 'production' };
const at = (iso: string) => Date.parse(iso);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

function def(fields: Partial<FreezeDefinition>): FreezeDefinition {
  return {
    name: 'f',
    reason: 'test',
    timezone: 'Europe/Berlin',
    environments: ['production'],
    workflows: [],
    apply: 'wait',
    ...fields,
  };
}
const weekend = def({ name: 'weekend', weekly: { from: 'Fri 16:00', to: 'Mon 08:00' } });
const yearEnd = def({ name: 'year-end', yearly: { from: 'Dec 20', to: 'Jan 3' } });

describe('loadFreezes', () => {
  it('takes weekly, yearly and one-off windows with their defaults', () => {
    const loaded = loadFreezes(
      [
        'freezes:',
        '  - name: weekend',
        '    reason: No changes over the weekend',
        '    timezone: Europe/Berlin',
        '    environments: [production]',
        '    weekly: { from: "Friday 16:00", to: "Mon 08:00" }',
        '  - name: year-end',
        '    reason: Holidays',
        '    yearly: { from: Dec 20, to: "Jan 3 08:00" }',
        '  - name: launch',
        '    reason: Launch day',
        '    workflows: [production-deploy]',
        '    apply: fail',
        '    from: "2027-03-01 09:00"',
        '    to: "2027-03-02"',
      ].join('\n'),
      'config/freezes.yaml',
    );
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.freezes.map((f) => [f.name, f.timezone, f.apply])).toEqual([
      ['weekend', 'Europe/Berlin', 'wait'],
      ['year-end', 'UTC', 'wait'],
      ['launch', 'UTC', 'fail'],
    ]);
  });

  it.each([
    [
      'weekly: { from: "Fri 25:00", to: "Mon 08:00" }',
      '7:21: freezes[0].weekly.from: must be a weekday and a 24-hour time',
    ],
    ['yearly: { from: "Feb 29", to: "Mar 2" }', 'freezes[0].yearly.from: Feb 29 is not in every year'],
    [
      'from: "2027-03-02 10:00"\n    to: "2027-03-01 10:00"',
      'freezes[0].to: must be after from (2027-03-02 10:00)',
    ],
    ['from: "2027-03-02 10:00"', 'freezes[0].to: is required with from'],
    [
      'from: "2027-03-02"\n    to: "2027-03-03"\n    weekly: { from: "Fri 16:00", to: "Mon 08:00" }',
      'freezes[0]: needs exactly one of weekly, yearly, or from and to (has weekly and from/to)',
    ],
    [
      'timezone: Mars/Olympus\n    weekly: { from: "Fri 16:00", to: "Mon 08:00" }',
      'freezes[0].timezone: "Mars/Olympus" is not an IANA time zone',
    ],
  ])('refuses %s with file:line:col', (window, message) => {
    const text = [
      'freezes:',
      '  - name: bad',
      '    reason: r',
      '    environments: [production]',
      '',
      '',
      `    ${window}`,
    ].join('\n');
    const loaded = loadFreezes(text, 'config/freezes.yaml');
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.problems.map(formatProblem).join('\n')).toMatch(/^config\/freezes\.yaml:\d+:\d+: /);
    expect(loaded.problems.map(formatProblem).join('\n')).toContain(message);
  });
});

describe('freezeStatus', () => {
  it('a weekly window starts and ends at its local times (Berlin, winter)', () => {
    // Friday 2026-12-04, CET = UTC+1.
    expect(freezeStatus([weekend], [], prod, at('2026-12-04T14:59:00Z')).active).toEqual([]);
    const frozen = freezeStatus([weekend], [], prod, at('2026-12-04T15:00:00Z'));
    expect(frozen.active.map((w) => w.name)).toEqual(['weekend']);
    expect(iso(frozen.until)).toBe('2026-12-07T07:00:00.000Z');
    expect(freezeStatus([weekend], [], prod, at('2026-12-07T07:00:00Z')).active).toEqual([]);
  });

  it('covers only its environments and workflows, or everything when it names neither', () => {
    const now = at('2026-12-05T12:00:00Z');
    const staging = { name: 'staging-deploy', environment: 'staging' };
    expect(freezeStatus([weekend], [], staging, now).active).toEqual([]);
    const byName = def({ environments: [], workflows: ['staging-deploy'], weekly: weekend.weekly });
    expect(freezeStatus([byName], [], staging, now).active).toHaveLength(1);
    expect(freezeStatus([byName], [], prod, now).active).toEqual([]);
    const all = def({ environments: [], workflows: [], weekly: weekend.weekly });
    expect(freezeStatus([all], [], staging, now).active).toHaveLength(1);
  });

  it('spring forward: a start or end the clocks skip is the moment they jump (Berlin, 2027-03-28 02:00 -> 03:00)', () => {
    const intoGap = def({ weekly: { from: 'Sat 22:00', to: 'Sun 02:30' } });
    const [window] = windowsOf(intoGap, at('2027-03-27T12:00:00Z'), at('2027-03-29T00:00:00Z'));
    expect(iso(window?.start)).toBe('2027-03-27T21:00:00.000Z');
    expect(iso(window?.end)).toBe('2027-03-28T01:00:00.000Z');
    const fromGap = def({ weekly: { from: 'Sun 02:30', to: 'Sun 05:00' } });
    const [later] = windowsOf(fromGap, at('2027-03-27T12:00:00Z'), at('2027-03-29T00:00:00Z'));
    expect(iso(later?.start)).toBe('2027-03-28T01:00:00.000Z');
    expect(iso(later?.end)).toBe('2027-03-28T03:00:00.000Z');
  });

  it('fall back: a repeated start is its first reading, a repeated end its second (Berlin, 2026-10-25 03:00 -> 02:00)', () => {
    const range = [at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z')] as const;
    const [ending] = windowsOf(def({ weekly: { from: 'Sun 01:00', to: 'Sun 02:30' } }), ...range);
    // 02:30 CEST is 00:30Z, 02:30 CET is 01:30Z: the freeze holds through both.
    expect(iso(ending?.end)).toBe('2026-10-25T01:30:00.000Z');
    const [starting] = windowsOf(def({ weekly: { from: 'Sun 02:30', to: 'Sun 04:00' } }), ...range);
    expect(iso(starting?.start)).toBe('2026-10-25T00:30:00.000Z');
    expect(
      freezeStatus(
        [def({ weekly: { from: 'Sun 01:00', to: 'Sun 02:30' } })],
        [],
        prod,
        at('2026-10-25T01:00:00Z'),
      ).active,
    ).toHaveLength(1);
  });

  it('a yearly window crosses the new year', () => {
    const status = freezeStatus([yearEnd], [], prod, at('2026-12-31T12:00:00Z'));
    expect(status.active.map((w) => w.name)).toEqual(['year-end']);
    expect(iso(status.until)).toBe('2027-01-02T23:00:00.000Z');
    expect(freezeStatus([yearEnd], [], prod, at('2027-01-02T23:00:00Z')).active).toEqual([]);
    expect(freezeStatus([yearEnd], [], prod, at('2026-12-19T22:59:00Z')).active).toEqual([]);
  });

  it('overlapping windows: the freeze lasts until the last one that overlaps or touches it ends', () => {
    // The year-end freeze ends Sunday 2027-01-03 00:00; the weekend freeze then runs to Monday 08:00.
    const status = freezeStatus([yearEnd, weekend], [], prod, at('2026-12-28T09:00:00Z'));
    expect(status.active.map((w) => w.name)).toEqual(['year-end']);
    expect(iso(status.until)).toBe('2027-01-04T07:00:00.000Z');
    // A one-off window that touches the weekend's end carries it on.
    const launch = def({ name: 'launch', from: '2027-01-04 08:00', to: '2027-01-04 12:00' });
    expect(iso(freezeStatus([yearEnd, weekend, launch], [], prod, at('2026-12-28T09:00:00Z')).until)).toBe(
      '2027-01-04T11:00:00.000Z',
    );
  });

  it('an ad-hoc freeze holds until it ends, or until an admin ends it', () => {
    const incident: AdhocFreeze = {
      id: 'fz-1',
      reason: 'incident 42',
      environments: ['production'],
      workflows: [],
      apply: 'wait',
      started_at: '2026-12-05T10:00:00.000Z',
      started_by: 'ops@example.com',
    };
    const open = freezeStatus([], [incident], prod, at('2026-12-05T11:00:00Z'));
    expect(open.active.map((w) => w.name)).toEqual(['fz-1']);
    expect(open.until).toBeUndefined();
    const timed = freezeStatus(
      [],
      [{ ...incident, ends_at: '2026-12-05T12:00:00.000Z' }],
      prod,
      at('2026-12-05T11:00:00Z'),
    );
    expect(iso(timed.until)).toBe('2026-12-05T12:00:00.000Z');
    const ended = { ...incident, ended_at: '2026-12-05T10:30:00.000Z', ended_by: 'ops@example.com' };
    expect(freezeStatus([], [ended], prod, at('2026-12-05T11:00:00Z')).active).toEqual([]);
  });

  it('fails when any window in effect says fail, and lists the windows to come', () => {
    const failing = def({ name: 'launch', apply: 'fail', from: '2026-12-05 00:00', to: '2026-12-06 00:00' });
    expect(freezeStatus([weekend, failing], [], prod, at('2026-12-05T12:00:00Z')).apply).toBe('fail');
    const upcoming = freezeStatus([weekend, yearEnd], [], prod, at('2026-12-08T12:00:00Z')).upcoming;
    expect(upcoming.map((w) => [w.name, iso(w.start)])).toEqual([
      ['weekend', '2026-12-11T15:00:00.000Z'],
      ['weekend', '2026-12-18T15:00:00.000Z'],
      ['year-end', '2026-12-19T23:00:00.000Z'],
    ]);
  });
});

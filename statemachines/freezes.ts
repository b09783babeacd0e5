/**
 * `config/freezes.yaml` (optional): change freezes. A freeze covers the workflows it names or
 * whose environment it names (every workflow when it names neither). While one is in effect a
 * covered run may plan and collect approvals, but its apply waits until the freeze ends, or fails,
 * as the freeze says. An emergency bypass run goes through, audited `freeze_overridden`.
 *
 * Times are local times in the freeze's time zone:
 * - `weekly: { from: "Fri 16:00", to: "Mon 08:00" }` every week;
 * - `yearly: { from: "Dec 20", to: "Jan 3 08:00" }` every year;
 * - `from: "2027-03-01 09:00"` and `to: "2027-03-02 18:00"` once.
 */
import { z } from 'zod';
import { DATE_TIME, FREEZE_APPLY, localDateTime, WEEKLY_TIME, YEARLY_TIME } from './freeze-times.ts';
import { isTimeZone } from './time-zone.ts';

export type { FreezeApply } from './freeze-times.ts';

import { type Loaded, parseWith } from './yaml-load.ts';
import type { Problem } from './yaml-source.ts';

const weeklyTime = z.string().regex(WEEKLY_TIME, 'must be a weekday and a 24-hour time, such as "Fri 16:00"');
const yearlyTime = z
  .string()
  .regex(
    YEARLY_TIME,
    'must be a month and day, with an optional 24-hour time, such as "Dec 20" or "Jan 3 08:00"',
  );
const dateTime = z
  .string()
  .regex(DATE_TIME, 'must be a date and an optional 24-hour time, such as "2027-03-01 09:00"');

const freeze = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
  reason: z.string().min(1),
  timezone: z.string().min(1).default('UTC'),
  environments: z.array(z.string().min(1)).default([]),
  workflows: z.array(z.string().min(1)).default([]),
  /** `wait`: the apply waits at a "frozen until" step until the freeze ends. `fail`: the run fails. */
  apply: z.enum(FREEZE_APPLY).default('wait'),
  weekly: z.strictObject({ from: weeklyTime, to: weeklyTime }).optional(),
  yearly: z.strictObject({ from: yearlyTime, to: yearlyTime }).optional(),
  from: dateTime.optional(),
  to: dateTime.optional(),
});

export const freezesSchema = z.strictObject({ freezes: z.array(freeze).default([]) });

export type Freezes = z.infer<typeof freezesSchema>;
export type FreezeDefinition = Freezes['freezes'][number];

/** Loads `config/freezes.yaml` text, checking each window's shape, zone and dates. */
export function loadFreezes(text: string, file: string): Loaded<Freezes> {
  const loaded = parseWith(freezesSchema, text, file);
  if (!loaded.ok) return loaded;
  const { value, source } = loaded;
  const problems: Problem[] = [];
  const names = new Set<string>();
  for (const [i, f] of value.freezes.entries()) {
    const at = (key: string, message: string) =>
      problems.push(source.problem(['freezes', i, key], `freezes[${i}].${key}: ${message}`));
    if (names.has(f.name)) at('name', `"${f.name}" is used twice`);
    names.add(f.name);
    if (!isTimeZone(f.timezone))
      at('timezone', `"${f.timezone}" is not an IANA time zone (for example Europe/Berlin or UTC)`);
    const kinds = [f.weekly && 'weekly', f.yearly && 'yearly', (f.from || f.to) && 'from/to'].filter(Boolean);
    if (kinds.length !== 1) {
      problems.push(
        source.problem(
          ['freezes', i],
          `freezes[${i}]: needs exactly one of weekly, yearly, or from and to (${kinds.length === 0 ? 'has none' : `has ${kinds.join(' and ')}`})`,
        ),
      );
      continue;
    }
    if (f.from !== undefined || f.to !== undefined) {
      if (f.from === undefined) at('from', 'is required with to');
      else if (f.to === undefined) at('to', 'is required with from');
      else if (localDateTime(f.to) <= localDateTime(f.from)) at('to', `must be after from (${f.from})`);
    }
    for (const [key, text] of [
      ['from', f.yearly?.from],
      ['to', f.yearly?.to],
    ] as const) {
      if (text && /^feb[a-z]* 29\b/i.test(text))
        problems.push(
          source.problem(
            ['freezes', i, 'yearly', key],
            `freezes[${i}].yearly.${key}: Feb 29 is not in every year; use Feb 28 or Mar 1`,
          ),
        );
    }
  }
  return problems.length > 0 ? { ok: false, problems } : loaded;
}

/**
 * The schedule trigger: EventBridge Scheduler invokes the webhook function with
 * `{ kind: 'scheduled_start', workflow, scheduled_time }`; each slot starts one run, however often
 * it is delivered (Scheduler retries a failed invocation), and the run says it was scheduled.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dedupRunId } from '../../../functions/core/runs/start-run.ts';
import { handleScheduledStart } from '../../../functions/webhook/handler.ts';
import { startLocalSchedules } from '../../../local/schedules.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';
import { createTriggerDeps } from './trigger-harness.ts';

let db: Dynalite;
let h: ReturnType<typeof createTriggerDeps>;

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});
beforeEach(() => {
  h = createTriggerDeps(db);
});

const slot = (workflow: string, scheduled_time: string) =>
  ({ kind: 'scheduled_start', workflow, scheduled_time }) as const;

describe('scheduled starts', () => {
  it('starts one run per slot, however often Scheduler delivers it, and audits it as scheduled', async () => {
    const first = await handleScheduledStart(h.deps, slot('nightly-plan', '2026-12-06T01:00:00Z'));
    const retried = await handleScheduledStart(h.deps, slot('nightly-plan', '2026-12-06T01:00:00.000Z'));
    expect(first).toEqual({
      started: true,
      run_id: dedupRunId('nightly-plan', 'schedule:2026-12-06T01:00:00.000Z'),
    });
    expect(retried).toEqual(first);
    expect(h.engine.starts).toHaveLength(1);
    const run = await h.runs.get(first.run_id as string);
    expect(run).toMatchObject({
      trigger: {
        type: 'schedule',
        slot: '2026-12-06T01:00:00.000Z',
        cron: '0 2 * * *',
        timezone: 'Europe/Berlin',
      },
      started_by: { email: 'system:schedule' },
      reason: 'scheduled for 2026-12-06T01:00:00.000Z (0 2 * * *, Europe/Berlin)',
    });
    const next = await handleScheduledStart(h.deps, slot('nightly-plan', '2026-12-07T01:00:00Z'));
    expect(next.run_id).not.toBe(first.run_id);
  });

  it('starts nothing for a workflow without a schedule or a time that is not one, and says why', async () => {
    expect(await handleScheduledStart(h.deps, slot('hook-deploy', '2026-12-06T01:00:00Z'))).toEqual({
      started: false,
    });
    expect(await handleScheduledStart(h.deps, slot('nightly-plan', 'tomorrow'))).toEqual({ started: false });
    expect(h.engine.starts).toHaveLength(0);
    expect(h.logs.join('\n')).toMatch(/no workflow named .+hook-deploy.+ runs on a schedule/);
    expect(h.logs.join('\n')).toMatch(/scheduled_time .+tomorrow.+ is not a time/);
  });

  it('runs each slot of the local schedules once as the clock passes it, and none from before it started', async () => {
    let now = Date.parse('2027-01-06T00:58:00Z');
    const started: string[] = [];
    const schedules = startLocalSchedules({
      workflows: () => h.deps.workflows.all(),
      start: async (start) => {
        started.push(start.scheduled_time);
        await handleScheduledStart(h.deps, start);
      },
      now: () => now,
      tickMs: 0,
    });
    expect(await schedules.tick()).toEqual([]);
    now = Date.parse('2027-01-06T01:00:30Z'); // 02:00:30 in Berlin
    await schedules.tick();
    await schedules.tick();
    now = Date.parse('2027-01-08T01:30:00Z'); // two nights later: two slots
    await schedules.tick();
    await schedules.stop();
    expect(started).toEqual([
      '2027-01-06T01:00:00.000Z',
      '2027-01-07T01:00:00.000Z',
      '2027-01-08T01:00:00.000Z',
    ]);
    // The first test's slots are other days: each of these is new.
    expect(h.engine.starts).toHaveLength(3);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerScheduler } from '../../../functions/adapters/timer-scheduler.ts';
import { RecordingLog } from '../../support/approval-fixtures.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-25T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TimerScheduler', () => {
  it('runs each escalation when it is due, and not before', async () => {
    const due: [string, number][] = [];
    const scheduler = new TimerScheduler(async (g, i) => due.push([g, i]), new RecordingLog());
    await scheduler.scheduleEscalation('g_a', 0, new Date('2026-11-25T11:00:00Z'));
    await scheduler.scheduleEscalation('g_a', 1, new Date('2026-11-25T12:00:00Z'));
    await vi.advanceTimersByTimeAsync(3600_000 - 1);
    expect(due).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(due).toEqual([['g_a', 0]]);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(due).toEqual([['g_a', 0]]);
  });

  it('logs a failing escalation by error name', async () => {
    const log = new RecordingLog();
    const scheduler = new TimerScheduler(async () => {
      throw new TypeError('boom');
    }, log);
    await scheduler.scheduleEscalation('g_b', 0, new Date('2026-11-25T10:00:01Z'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(log.lines).toEqual([
      {
        level: 'error',
        message: 'escalation failed',
        extra: { gate_id: 'g_b', index: 0, error: 'TypeError' },
      },
    ]);
  });
});

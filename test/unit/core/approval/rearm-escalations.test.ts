import { describe, expect, it } from 'vitest';
import { escalate } from '../../../../functions/core/approval/escalate.ts';
import { rearmEscalations } from '../../../../functions/core/approval/rearm-escalations.ts';
import { requestApproval } from '../../../../functions/core/approval/request-approval.ts';
import { createMemoryDeps, RecordingScheduler, requestInput } from '../../../support/approval-fixtures.ts';

const LEVELS = [
  { after_seconds: 60, approvers: ['team:managers'] },
  { after_seconds: 3600, approvers: ['role:admin'] },
  { after_seconds: 5 * 3600, approvers: ['role:admin'] },
];

describe('rearmEscalations', () => {
  it('schedules again the unfired escalations of pending gates a restart made the timers forget', async () => {
    const deps = createMemoryDeps();
    const { gate } = await requestApproval(deps, requestInput({ escalation: LEVELS }));
    deps.clock.advance(61_000);
    await escalate(deps, gate.gate_id, 0);
    const closed = (await requestApproval(deps, requestInput({ escalation: LEVELS }))).gate;
    await deps.gates.close(closed.gate_id, {
      status: 'cancelled',
      closed_at: new Date(deps.now()).toISOString(),
      closed_by: { email: 'system', name: 'signoff' },
      engine_notified: true,
    });
    const restarted = { ...deps, scheduler: new RecordingScheduler() };

    expect(await rearmEscalations(restarted)).toBe(1);

    // Level 0 fired already, level 2 falls after the 4 h deadline, the closed gate waits for nothing.
    expect(restarted.scheduler.scheduled).toEqual([
      { gateId: gate.gate_id, index: 1, at: new Date(Date.parse(gate.requested_at) + 3600_000) },
    ]);
  });
});

/**
 * Delivery failures recorded on a gate, run against both gate stores: the same bounded append,
 * the same audit events, and a failed delivery never fails the request.
 */
import { describe, expect, it } from 'vitest';
import { requestApproval } from '../../functions/core/approval/request-approval.ts';
import {
  announce,
  MAX_GATE_DELIVERY_FAILURES,
  recordDeliveryFailures,
} from '../../functions/core/notify/delivery-failures.ts';
import type { AuditEvent, DeliveryFailure } from '../../functions/core/ports.ts';
import { requestInput, runInfo, type TestDeps } from './approval-fixtures.ts';

const REJECTED =
  'MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: carol@acme.com';

function failure(to: string, at = '2026-11-25T10:00:00.000Z'): DeliveryFailure {
  return { channel: 'email', to, reason: REJECTED, at };
}

/** Registers the scenarios for deps built by `make` (memory or dynalite). */
export function describeDeliveryFailures(make: () => TestDeps): void {
  describe('delivery failures', () => {
    it('records an undelivered announcement on the gate and audits it', async () => {
      const deps = make();
      deps.notifier.failNext(failure('carol@acme.com'), {
        channel: 'slack',
        to: '#deploys',
        reason: 'channel_not_found',
        at: '2026-11-25T10:00:00.000Z',
      });
      const run = runInfo();
      const { gate, outcome } = await requestApproval(deps, requestInput({}, run));
      expect(outcome).toBe('created');
      const stored = await deps.gates.get(gate.gate_id);
      expect(stored?.status).toBe('pending');
      expect(stored?.delivery_failures).toEqual([
        failure('carol@acme.com'),
        { channel: 'slack', to: '#deploys', reason: 'channel_not_found', at: '2026-11-25T10:00:00.000Z' },
      ]);
      const events = await deps.audit.readRun(run.id);
      expect(events.map((e) => e.action)).toEqual([
        'requested',
        'notification_failed',
        'notification_failed',
      ]);
      const [, email, slack] = events as [AuditEvent, AuditEvent, AuditEvent];
      expect(email).toMatchObject({
        actor: { email: 'system:notifier', name: 'Notifier' },
        gate_id: gate.gate_id,
        step_id: 'approve',
        channel: 'email',
        reason: `Email to carol@acme.com failed: ${REJECTED}`,
        details: { recipient: 'carol@acme.com' },
        at: '2026-11-25T10:00:00.000Z',
      });
      expect(slack).toMatchObject({
        channel: 'slack',
        reason: 'Slack message to #deploys failed: channel_not_found',
        details: { recipient: '#deploys' },
      });
    });

    it('writes nothing when every message went out', async () => {
      const deps = make();
      const run = runInfo();
      const { gate } = await requestApproval(deps, requestInput({}, run));
      expect((await deps.gates.get(gate.gate_id))?.delivery_failures).toBeUndefined();
      expect((await deps.audit.readRun(run.id)).map((e) => e.action)).toEqual(['requested']);
    });

    it(`keeps at most ${MAX_GATE_DELIVERY_FAILURES} on the gate and counts the rest`, async () => {
      const deps = make();
      const { gate } = await requestApproval(deps, requestInput({}, runInfo()));
      const batch = (n: number, from: number) =>
        Array.from({ length: n }, (_, i) => failure(`p${from + i}@acme.com`));
      await recordDeliveryFailures(deps, gate, batch(15, 0));
      // 15 + 6 would pass the bound: the second batch is counted, not stored in part.
      await recordDeliveryFailures(deps, gate, batch(6, 15));
      await recordDeliveryFailures(deps, gate, batch(5, 21));
      const stored = await deps.gates.get(gate.gate_id);
      expect(stored?.delivery_failures?.map((f) => f.to)).toEqual([
        ...batch(15, 0).map((f) => f.to),
        ...batch(5, 21).map((f) => f.to),
      ]);
      expect(stored?.delivery_failures_dropped).toBe(6);
      await recordDeliveryFailures(deps, gate, batch(1, 26));
      expect((await deps.gates.get(gate.gate_id))?.delivery_failures_dropped).toBe(7);
    });

    it('trims one batch larger than the bound and counts what it left off', async () => {
      const deps = make();
      const { gate } = await requestApproval(deps, requestInput({}, runInfo()));
      const many = Array.from({ length: MAX_GATE_DELIVERY_FAILURES + 3 }, (_, i) =>
        failure(`m${i}@acme.com`),
      );
      await recordDeliveryFailures(deps, gate, many);
      const stored = await deps.gates.get(gate.gate_id);
      expect(stored?.delivery_failures).toHaveLength(MAX_GATE_DELIVERY_FAILURES);
      expect(stored?.delivery_failures?.[0]?.to).toBe('m0@acme.com');
      expect(stored?.delivery_failures_dropped).toBe(3);
    });

    it('answers false for a gate that does not exist, and creates none', async () => {
      const deps = make();
      expect(
        await deps.gates.addDeliveryFailures('g_000000000000000000000000', [failure('x@acme.com')], 20),
      ).toBe(false);
      expect(await deps.gates.get('g_000000000000000000000000')).toBeUndefined();
    });

    it('records on a closed gate too (an escalation may race the close)', async () => {
      const deps = make();
      const { gate } = await requestApproval(deps, requestInput({}, runInfo()));
      await deps.gates.close(gate.gate_id, {
        status: 'cancelled',
        closed_at: '2026-11-25T10:01:00.000Z',
        closed_by: { email: 'system:recovery', name: 'Recovery' },
        engine_notified: true,
      });
      expect(await deps.gates.addDeliveryFailures(gate.gate_id, [failure('bob@acme.com')], 20)).toBe(true);
      expect((await deps.gates.get(gate.gate_id))?.delivery_failures?.map((f) => f.to)).toEqual([
        'bob@acme.com',
      ]);
    });

    it('never fails the announcement when recording the failure fails', async () => {
      const deps = make();
      const { gate } = await requestApproval(deps, requestInput({}, runInfo()));
      deps.gates.addDeliveryFailures = async () => {
        throw new Error('ProvisionedThroughputExceededException');
      };
      deps.notifier.failNext(failure('dave@acme.com'));
      const failures = await announce(deps, gate, 'requested', (n) => n.requested(gate));
      expect(failures.map((f) => f.to)).toEqual(['dave@acme.com']);
      expect(deps.log.lines.map((l) => l.message)).toContain(
        'recording delivery failures on the gate failed',
      );
      // The audit still has it.
      const events = await deps.audit.readRun(gate.run.id);
      expect(events.at(-1)?.reason).toBe(`Email to dave@acme.com failed: ${REJECTED}`);
    });
  });
}

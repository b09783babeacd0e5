/**
 * The approval rules as one suite, run against memory adapters (unit) and dynalite (integration),
 * so both stores are held to the same behaviour.
 */
import { describe, expect, it } from 'vitest';
import { CompositeNotifier } from '../../functions/adapters/composite-notifier.ts';
import { MemoryNotifier } from '../../functions/adapters/memory-notifier.ts';
import type { ApprovalDeps } from '../../functions/core/approval/approval-deps.ts';
import { castVote, type VoteOutcome, type VoteRequest } from '../../functions/core/approval/cast-vote.ts';
import { DRAIN_ATTEMPTS, drainAllGates, drainGate } from '../../functions/core/approval/drain-gate.ts';
import { escalate } from '../../functions/core/approval/escalate.ts';
import { getGate, listRunGates } from '../../functions/core/approval/get-gate.ts';
import { recordTimeout, type TimeoutFailure } from '../../functions/core/approval/record-timeout.ts';
import { requestApproval } from '../../functions/core/approval/request-approval.ts';
import {
  ENGINE_CALL_LEASE_MS,
  resumeAllGates,
  resumeGate,
} from '../../functions/core/approval/resume-gate.ts';
import { TaskGoneError } from '../../functions/core/approval/task-gone-error.ts';
import { verifyAuditChain } from '../../functions/core/audit/audit-chain.ts';
import type { AuditLog, GateStore, WorkflowEngine } from '../../functions/core/ports.ts';
import type { ApprovalDecision, RunInfo } from '../../statemachines/contract.ts';
import { requestInput, runInfo, T0, type TestDeps } from './approval-fixtures.ts';

type MakeDeps = () => TestDeps;

const HOUR = 3600_000;

function vote(gateId: string, voter: string, overrides: Partial<VoteRequest> = {}): VoteRequest {
  return { gateId, voter, decision: 'approve', channel: 'slack', ...overrides };
}

async function open(deps: ApprovalDeps, gate: Parameters<typeof requestInput>[0] = {}) {
  const input = requestInput(gate);
  const { gate: created } = await requestApproval(deps, input);
  return { gateId: created.gate_id, input };
}

async function voteEvents(deps: TestDeps, runId: string) {
  const events = await deps.audit.readRun(runId);
  return events.filter((e) => e.action === 'approved' || e.action === 'rejected' || e.action === 'refused');
}

/** Wraps a GateStore so the process "dies" right after the write that closes a gate. */
function crashAfterClose(store: GateStore): GateStore {
  return Object.assign(Object.create(store) as GateStore, {
    addApproval: async (...args: Parameters<GateStore['addApproval']>) => {
      const written = await store.addApproval(...args);
      if (written && args[3]) throw new Error('process died after closing the gate');
      return written;
    },
  });
}

/** An SDK-style socket timeout, as the AWS SDK names it. */
function timeoutError(): Error {
  return Object.assign(new Error('the request socket timed out'), { name: 'TimeoutError' });
}

/** Wraps an AuditLog so its next `times` appends time out (nothing written). */
function timingOutAudit(audit: AuditLog, times: number): AuditLog {
  let left = times;
  return {
    append: async (...args: Parameters<AuditLog['append']>) => {
      if (left > 0) {
        left -= 1;
        throw timeoutError();
      }
      return audit.append(...args);
    },
  };
}

/** Everything after a vote's commit times out: audit appends, engine calls, notifiers and gate re-reads. */
function everythingAfterTheCommitTimesOut(deps: TestDeps): TestDeps {
  const engine: WorkflowEngine = {
    sendTaskSuccess: async () => {
      throw timeoutError();
    },
    sendTaskFailure: async () => {
      throw timeoutError();
    },
  };
  const failing = async () => {
    throw timeoutError();
  };
  const gates = Object.assign(Object.create(deps.gates) as GateStore, {
    readOutbox: failing,
    getTaskToken: failing,
  });
  const notifier = {
    requested: failing,
    progressed: failing,
    decided: failing,
    expired: failing,
    escalated: failing,
  };
  return { ...deps, gates, engine, notifier, audit: timingOutAudit(deps.audit, 1000) } as unknown as TestDeps;
}

/** Defines the approval-rule tests for deps built by `makeDeps`. */
export function describeApprovalRules(makeDeps: MakeDeps): void {
  describe('castVote', () => {
    it('counts an eligible approval and keeps the gate pending below the threshold', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps);
      const outcome = await castVote(deps, vote(gateId, 'alice@acme.com'));
      expect(outcome).toEqual({
        kind: 'counted',
        gate_id: gateId,
        decision: 'approve',
        status: 'pending',
        approvals: 1,
        required: 2,
      });
      expect(deps.engine.calls).toEqual([]);
      expect((await deps.gates.get(gateId))?.status).toBe('pending');
    });

    it('sends one SendTaskSuccess with who approved, when and their comments once the threshold is met', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      deps.clock.advance(60_000);
      await castVote(deps, vote(gateId, 'alice@acme.com', { comment: 'looks fine' }));
      deps.clock.advance(60_000);
      const outcome = await castVote(deps, vote(gateId, 'BOB@acme.com', { channel: 'email' }));
      expect(outcome).toMatchObject({ kind: 'counted', status: 'approved', approvals: 2, required: 2 });
      expect(deps.engine.calls).toHaveLength(1);
      const call = deps.engine.calls[0];
      expect(call?.kind).toBe('success');
      expect(call?.token).toBe(input.task_token);
      const decision = (call as { output: ApprovalDecision }).output;
      expect(decision).toEqual({
        gate_id: gateId,
        step_id: 'approve',
        status: 'approved',
        approved_by: [
          {
            email: 'alice@acme.com',
            name: 'Alice Lead',
            at: '2026-11-25T10:01:00.000Z',
            channel: 'slack',
            comment: 'looks fine',
          },
          { email: 'bob@acme.com', name: 'Bob Builder', at: '2026-11-25T10:02:00.000Z', channel: 'email' },
        ],
        approved_by_count: 2,
        requested_at: '2026-11-25T10:00:00.000Z',
        decided_at: '2026-11-25T10:02:00.000Z',
        plan_hash: 'sha256:abc123',
      });
      const gate = await deps.gates.get(gateId);
      expect(gate).toMatchObject({ status: 'approved', engine_notified: true, engine_result: 'sent' });
      expect(deps.notifier.sent.filter((n) => n.kind === 'decided')).toHaveLength(1);
    });

    it('sends exactly one SendTaskSuccess when all four of a 2-of-4 gate approve at once', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      const voters = ['alice@acme.com', 'bob@acme.com', 'carol@acme.com', 'dave@acme.com'];
      const outcomes = await Promise.all(voters.map((v) => castVote(deps, vote(gateId, v))));
      expect(deps.engine.calls.filter((c) => c.kind === 'success')).toHaveLength(1);
      expect(deps.engine.calls).toHaveLength(1);
      const counted = outcomes.filter((o) => o.kind === 'counted');
      expect(counted).toHaveLength(2);
      expect(outcomes.filter((o) => o.kind === 'refused').map((o) => (o as { code: string }).code)).toEqual([
        'closed',
        'closed',
      ]);
      const gate = await deps.gates.get(gateId);
      expect(gate?.approved_by).toHaveLength(2);
      const decision = (deps.engine.calls[0] as { output: ApprovalDecision }).output;
      expect(decision.approved_by.map((a) => a.email).sort()).toEqual(
        gate?.approved_by.map((a) => a.email).sort(),
      );
      const events = await voteEvents(deps, input.run.id);
      expect(events).toHaveLength(4);
      expect(events.filter((e) => e.action === 'approved')).toHaveLength(2);
      expect(events.filter((e) => e.action === 'refused')).toHaveLength(2);
      expect(verifyAuditChain(await deps.audit.readRun(input.run.id)).ok).toBe(true);
    });

    it('counts a person once when they approve from two channels', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      const first = await castVote(deps, vote(gateId, 'alice@acme.com', { channel: 'slack' }));
      const second = await castVote(deps, vote(gateId, 'Alice@Acme.com', { channel: 'email' }));
      expect(first).toMatchObject({ kind: 'counted', approvals: 1 });
      expect(second).toMatchObject({ kind: 'refused', code: 'already_voted' });
      expect((second as { reason: string }).reason).toContain('via slack');
      expect((await deps.gates.get(gateId))?.approved_by).toHaveLength(1);
      const refused = (await voteEvents(deps, input.run.id)).filter((e) => e.action === 'refused');
      expect(refused).toHaveLength(1);
      expect(refused[0]?.reason).toContain('already approved');
      expect(deps.engine.calls).toEqual([]);
    });

    it('counts a person once when both of their channels arrive at the same moment', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps);
      const outcomes = await Promise.all(
        (['slack', 'email', 'web', 'api'] as const).map((channel) =>
          castVote(deps, vote(gateId, 'carol@acme.com', { channel })),
        ),
      );
      expect(outcomes.filter((o) => o.kind === 'counted')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'refused' && o.code === 'already_voted')).toHaveLength(3);
      const gate = await deps.gates.get(gateId);
      expect(gate?.approved_by.map((a) => a.email)).toEqual(['carol@acme.com']);
      expect(gate?.status).toBe('pending');
    });

    it('refuses the requester unless the gate allows self-approval', async () => {
      const deps = makeDeps();
      const refusedGate = await open(deps, { approvers: ['team:platform-leads', 'user:jane@acme.com'] });
      const refused = await castVote(deps, vote(refusedGate.gateId, 'jane@acme.com'));
      expect(refused).toMatchObject({ kind: 'refused', code: 'self_approval' });
      expect((refused as { reason: string }).reason).toContain('started this run');

      const allowedGate = await open(deps, {
        approvers: ['team:platform-leads', 'user:jane@acme.com'],
        allow_self_approval: true,
      });
      expect(await castVote(deps, vote(allowedGate.gateId, 'jane@acme.com'))).toMatchObject({
        kind: 'counted',
      });
    });

    it('refuses a viewer even when the gate names them', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps, { approvers: ['team:platform-leads', 'user:vera@acme.com'] });
      const outcome = await castVote(deps, vote(gateId, 'vera@acme.com'));
      expect(outcome).toMatchObject({ kind: 'refused', code: 'viewer' });
      expect((outcome as { reason: string }).reason).toContain('viewers cannot approve');
    });

    it('refuses someone who is not an approver, and someone not in the directory', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps);
      expect(await castVote(deps, vote(gateId, 'omar@acme.com'))).toMatchObject({
        kind: 'refused',
        code: 'not_approver',
      });
      expect(await castVote(deps, vote(gateId, 'mallory@evil.example'))).toMatchObject({
        kind: 'refused',
        code: 'unknown_user',
      });
      expect((await deps.gates.get(gateId))?.approved_by).toEqual([]);
    });

    it('refuses a vote after the timeout, saying when the gate timed out', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      deps.clock.advance(4 * HOUR + 1000);
      await recordTimeout(deps, {
        run: input.run,
        step_id: 'approve',
        on_timeout: 'cancel',
        error: { Error: 'States.Timeout' },
      });
      const outcome = await castVote(deps, vote(gateId, 'alice@acme.com'));
      expect(outcome).toMatchObject({ kind: 'refused', code: 'closed', status: 'timed_out' });
      expect((outcome as { reason: string }).reason).toBe('This gate timed out at 2026-11-25T14:00:01Z.');
      expect(deps.engine.calls).toEqual([]);
    });

    it('refuses a vote after the deadline even before the timeout was recorded', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps);
      deps.clock.advance(4 * HOUR);
      const outcome = await castVote(deps, vote(gateId, 'alice@acme.com'));
      expect(outcome).toMatchObject({ kind: 'refused', code: 'expired' });
      expect((outcome as { reason: string }).reason).toContain('expired at 2026-11-25T14:00:00Z');
      expect((await deps.gates.get(gateId))?.approved_by).toEqual([]);
    });

    it('rejects with SendTaskFailure(Rejected) naming who and why, and refuses later approvals', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      const rejected = await castVote(
        deps,
        vote(gateId, 'bob@acme.com', { decision: 'reject', comment: 'wrong VPC' }),
      );
      expect(rejected).toMatchObject({ kind: 'counted', decision: 'reject', status: 'rejected' });
      const later = await castVote(deps, vote(gateId, 'carol@acme.com'));
      expect(later).toMatchObject({ kind: 'refused', code: 'closed', status: 'rejected' });
      expect((later as { reason: string }).reason).toBe(
        'This gate was rejected at 2026-11-25T10:00:00Z by Bob Builder: "wrong VPC"',
      );
      expect(deps.engine.calls).toHaveLength(1);
      const call = deps.engine.calls[0];
      expect(call).toMatchObject({ kind: 'failure', error: 'Rejected', token: input.task_token });
      const cause = JSON.parse((call as { cause: string }).cause);
      expect(cause).toMatchObject({
        gate_id: gateId,
        closed_by: { email: 'bob@acme.com' },
        comment: 'wrong VPC',
      });
    });

    it('makes exactly one engine call when a rejection races approvals', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps, { required: 3 });
      const outcomes = await Promise.all([
        castVote(deps, vote(gateId, 'alice@acme.com')),
        castVote(deps, vote(gateId, 'bob@acme.com', { decision: 'reject' })),
        castVote(deps, vote(gateId, 'carol@acme.com')),
        castVote(deps, vote(gateId, 'dave@acme.com')),
      ]);
      expect(deps.engine.calls).toHaveLength(1);
      const gate = await deps.gates.get(gateId);
      const expected = gate?.status === 'rejected' ? 'failure' : 'success';
      expect(deps.engine.calls[0]?.kind).toBe(expected);
      expect(outcomes.filter((o) => o.kind === 'counted' && o.status !== 'pending')).toHaveLength(1);
    });

    it('audits every attempt with actor, plan summary, response time and the reason for refusals', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      deps.clock.advance(90_000);
      await castVote(deps, vote(gateId, 'alice@acme.com', { comment: 'ok', channel: 'web' }));
      await castVote(deps, vote(gateId, 'vera@acme.com', { channel: 'api' }));
      const events = await deps.audit.readRun(input.run.id);
      expect(events.map((e) => e.action)).toEqual(['requested', 'approved', 'refused']);
      expect(events[1]).toMatchObject({
        actor: { email: 'alice@acme.com', name: 'Alice Lead' },
        workflow: 'production-deploy',
        run_id: input.run.id,
        gate_id: gateId,
        comment: 'ok',
        channel: 'web',
        response_time_ms: 90_000,
        plan_summary: {
          project: 'aws-production-network',
          add: 3,
          change: 1,
          destroy: 0,
          replace: 0,
          hash: 'sha256:abc123',
        },
      });
      expect(events[2]).toMatchObject({
        actor: { email: 'vera@acme.com' },
        action: 'refused',
        channel: 'api',
      });
      expect(events[2]?.reason).toContain('viewer');
    });

    it('answers not_found for an unknown gate', async () => {
      const deps = makeDeps();
      expect(await castVote(deps, vote('g_000000000000000000000000', 'alice@acme.com'))).toMatchObject({
        kind: 'refused',
        code: 'not_found',
      });
    });

    it('finishes the engine call on the next vote when the process died between closing and SendTaskSuccess', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      await expect(
        castVote({ ...deps, gates: crashAfterClose(deps.gates) }, vote(gateId, 'bob@acme.com')),
      ).rejects.toThrow('process died');
      expect(deps.engine.calls).toEqual([]);
      expect(await deps.gates.get(gateId)).toMatchObject({ status: 'approved', engine_notified: false });

      // Within the closer's lease nobody else calls the engine: it may still be on its way.
      expect(await castVote(deps, vote(gateId, 'carol@acme.com'))).toMatchObject({
        kind: 'refused',
        code: 'closed',
      });
      expect(deps.engine.calls).toEqual([]);

      deps.clock.advance(ENGINE_CALL_LEASE_MS + 1);
      const late = await castVote(deps, vote(gateId, 'dave@acme.com'));
      expect(late).toMatchObject({ kind: 'refused', code: 'closed', status: 'approved' });
      expect(deps.engine.calls).toHaveLength(1);
      expect(deps.engine.calls[0]).toMatchObject({ kind: 'success', token: input.task_token });
      const decision = (deps.engine.calls[0] as { output: ApprovalDecision }).output;
      expect(decision.approved_by.map((a) => a.email)).toEqual(['alice@acme.com', 'bob@acme.com']);
      expect(await deps.gates.get(gateId)).toMatchObject({ engine_notified: true, engine_result: 'sent' });

      await castVote(deps, vote(gateId, 'carol@acme.com'));
      expect(deps.engine.calls).toHaveLength(1);
    });

    it('isolates a failing notifier: the others still hear and the gate still decides', async () => {
      const base = makeDeps();
      const kept = new MemoryNotifier();
      const broken = {
        requested: async () => {
          throw new Error('slack is down');
        },
        progressed: async () => {
          throw new Error('slack is down');
        },
        decided: async () => {
          throw new Error('slack is down');
        },
        expired: async () => {},
        escalated: async () => {},
      };
      const notifier = new CompositeNotifier(
        [
          { name: 'slack', notifier: broken },
          { name: 'memory', notifier: kept },
        ],
        base.log,
      );
      const deps = { ...base, notifier };
      const { gateId, input } = await open(deps);
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      await castVote(deps, vote(gateId, 'bob@acme.com'));
      expect(kept.sent.map((n) => n.kind)).toEqual(['requested', 'progressed', 'decided']);
      expect(base.engine.calls).toHaveLength(1);
      const failures = base.log.lines.filter((l) => l.message === 'notifier failed');
      expect(failures.map((f) => f.extra?.notification)).toEqual(['requested', 'progressed', 'decided']);
      expect(failures[0]?.extra).toMatchObject({ notifier: 'slack', error: 'Error' });
      expect(JSON.stringify(base.log.lines)).not.toContain(input.task_token);
    });
  });

  describe('castVote after the commit', () => {
    // Reproduction: 100 runs parked at a 2-of-4 gate, 200 concurrent votes; 109 answered 500
    // (TimeoutError in the log), yet all 200 were counted.
    it('answers counted when everything after the commit times out, and the sweep finishes the work', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      const broken = { ...everythingAfterTheCommitTimesOut(deps), drainBudgetMs: 5000 };
      const first = await castVote(broken, vote(gateId, 'alice@acme.com'));
      const second = await castVote(broken, vote(gateId, 'bob@acme.com', { channel: 'api' }));
      expect(first).toEqual({
        kind: 'counted',
        gate_id: gateId,
        decision: 'approve',
        status: 'pending',
        approvals: 1,
        required: 2,
      });
      expect(second).toMatchObject({ kind: 'counted', status: 'approved', approvals: 2 });
      expect(await voteEvents(deps, input.run.id)).toEqual([]);
      expect(deps.engine.calls).toEqual([]);

      // The drainer's sweep, once the closer's lease is over, does what the votes still owe.
      deps.clock.advance(ENGINE_CALL_LEASE_MS + 1);
      await drainAllGates(deps);
      const events = await voteEvents(deps, input.run.id);
      expect(events.map((e) => [e.action, e.actor.email])).toEqual([
        ['approved', 'alice@acme.com'],
        ['approved', 'bob@acme.com'],
      ]);
      expect(deps.engine.calls).toHaveLength(1);
      expect(deps.engine.calls[0]).toMatchObject({ kind: 'success', token: input.task_token });
      expect(deps.notifier.sent.filter((n) => n.kind === 'decided')).toHaveLength(1);
      expect((await deps.gates.readOutbox(gateId))?.outbox).toEqual([]);
      expect(await deps.gates.listWithOutbox()).toEqual([]);

      await drainAllGates(deps);
      expect(await voteEvents(deps, input.run.id)).toHaveLength(2);
      expect(deps.engine.calls).toHaveLength(1);
      expect(verifyAuditChain(await deps.audit.readRun(input.run.id)).ok).toBe(true);
    });

    it('retries a timed-out audit write right after the commit, so the trail keeps the vote before the run goes on', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps, { required: 1 });
      const flaky = { ...deps, audit: timingOutAudit(deps.audit, 1) };
      expect(await castVote(flaky, vote(gateId, 'alice@acme.com'))).toMatchObject({
        kind: 'counted',
        status: 'approved',
      });
      expect((await voteEvents(deps, input.run.id)).map((e) => e.action)).toEqual(['approved']);
      expect(deps.engine.calls).toHaveLength(1);
      expect((await deps.gates.readOutbox(gateId))?.outbox).toEqual([]);
    });

    it('tells the engine even when the audit write keeps failing', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps, { required: 1 });
      const down = { ...deps, audit: timingOutAudit(deps.audit, 1000) };
      expect(await castVote(down, vote(gateId, 'alice@acme.com'))).toMatchObject({ kind: 'counted' });
      expect(deps.engine.calls).toHaveLength(1);
      expect(await voteEvents(deps, input.run.id)).toEqual([]);
      expect((await deps.gates.readOutbox(gateId))?.outbox).toHaveLength(1);
      await drainAllGates(deps);
      expect((await voteEvents(deps, input.run.id)).map((e) => e.action)).toEqual(['approved']);
      expect(deps.engine.calls).toHaveLength(1);
    });

    it('gets a gate decided by votes to the engine through the sweep when the process died right after the commit', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      await expect(
        castVote({ ...deps, gates: crashAfterClose(deps.gates) }, vote(gateId, 'bob@acme.com')),
      ).rejects.toThrow('process died');
      expect((await voteEvents(deps, input.run.id)).map((e) => e.actor.email)).toEqual(['alice@acme.com']);
      expect(await deps.gates.listWithOutbox()).toHaveLength(1);

      // Within the closer's lease the sweep delivers the audit event but leaves the engine call alone.
      const early = await drainAllGates(deps);
      expect(early[0]).toMatchObject({ gate_id: gateId, delivered: 1, engine: 'busy' });
      expect(deps.engine.calls).toEqual([]);
      deps.clock.advance(ENGINE_CALL_LEASE_MS + 1);
      await drainAllGates(deps);
      expect(deps.engine.calls).toHaveLength(1);
      expect((await voteEvents(deps, input.run.id)).map((e) => e.actor.email)).toEqual([
        'alice@acme.com',
        'bob@acme.com',
      ]);
    });

    it('answers a retried vote with its first answer, counting and auditing it once', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      const alice = vote(gateId, 'alice@acme.com', { channel: 'api', comment: 'ok' });
      const first = await castVote(deps, alice);
      const retried = await castVote(deps, alice);
      expect(retried).toEqual(first);
      const bob = vote(gateId, 'bob@acme.com', { channel: 'api' });
      const closing = await castVote(deps, bob);
      expect(await castVote(deps, bob)).toEqual(closing);
      // Alice's retry after the gate closed still gets her own first answer: 1 of 2, pending.
      expect(await castVote(deps, alice)).toEqual(first);
      expect(first).toMatchObject({ status: 'pending', approvals: 1 });
      expect(closing).toMatchObject({ status: 'approved', approvals: 2 });
      expect((await voteEvents(deps, input.run.id)).map((e) => e.action)).toEqual(['approved', 'approved']);
      expect(deps.engine.calls).toHaveLength(1);
    });

    it('answers a vote sent twice at once the same both times, counting and auditing it once', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      const carol = vote(gateId, 'carol@acme.com', { channel: 'slack' });
      const [a, b] = await Promise.all([castVote(deps, carol), castVote(deps, carol)]);
      expect(a).toEqual(b);
      expect(a).toMatchObject({ kind: 'counted', approvals: 1 });
      expect((await deps.gates.get(gateId))?.approved_by).toHaveLength(1);
      expect(await voteEvents(deps, input.run.id)).toHaveLength(1);
    });

    it('answers a retried rejection with its first answer', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      const bob = vote(gateId, 'bob@acme.com', { decision: 'reject', comment: 'no', channel: 'cli' });
      const first = await castVote(deps, bob);
      expect(await castVote(deps, bob)).toEqual(first);
      expect(first).toMatchObject({ kind: 'counted', status: 'rejected' });
      // The same person with another comment is a second vote, and refused.
      expect(await castVote(deps, { ...bob, comment: 'really no' })).toMatchObject({
        kind: 'refused',
        code: 'already_voted',
      });
      expect((await voteEvents(deps, input.run.id)).map((e) => e.action)).toEqual(['rejected', 'refused']);
      expect(deps.engine.calls).toHaveLength(1);
    });

    it('appends an audit event once per key, even when two drainers write it at once', async () => {
      const deps = makeDeps();
      const { input } = await open(deps);
      const event = {
        action: 'approved' as const,
        actor: { email: 'alice@acme.com', name: 'Alice Lead' },
        workflow: 'production-deploy',
        run_id: input.run.id,
        at: new Date(deps.now()).toISOString(),
      };
      await Promise.all([
        deps.audit.append(event, 'vote#alice@acme.com'),
        deps.audit.append(event, 'vote#alice@acme.com'),
        deps.audit.append({ ...event, action: 'refused' }),
      ]);
      await deps.audit.append(event, 'vote#alice@acme.com');
      const events = await deps.audit.readRun(input.run.id);
      expect(events.filter((e) => e.action === 'approved')).toHaveLength(1);
      expect(events.filter((e) => e.action === 'refused')).toHaveLength(1);
      expect(verifyAuditChain(events).ok).toBe(true);
    });
  });

  describe('castVote with its effects left to the drainer (outbox mode)', () => {
    const outboxDeps = () => {
      const deps = makeDeps();
      return { deps, voting: { ...deps, voteEffects: 'outbox' as const } };
    };

    it('answers right after the commit and leaves the audit event, the notification and the engine call to the drainer', async () => {
      const { deps, voting } = outboxDeps();
      const { gateId, input } = await open(deps);
      const sentBefore = deps.notifier.sent.length;
      expect(await castVote(voting, vote(gateId, 'alice@acme.com'))).toMatchObject({
        kind: 'counted',
        status: 'pending',
        approvals: 1,
      });
      const closing = await castVote(voting, vote(gateId, 'bob@acme.com', { channel: 'web' }));
      expect(closing).toMatchObject({ kind: 'counted', status: 'approved', approvals: 2 });
      // Nothing after the commit happened before the answers.
      expect(await voteEvents(deps, input.run.id)).toEqual([]);
      expect(deps.engine.calls).toEqual([]);
      expect(deps.notifier.sent).toHaveLength(sentBefore);
      expect((await deps.gates.readOutbox(gateId))?.outbox.map((e) => [e.id, e.notify])).toEqual([
        ['vote#alice@acme.com', 'progressed'],
        ['vote#bob@acme.com', 'decided'],
      ]);
      expect((await deps.gates.listUnnotified()).map((g) => g.gate_id)).toEqual([gateId]);
      expect(await deps.gates.listOwing()).toEqual([gateId]);

      // The drainer, at the same instant: no lease stands in its way.
      const drained = await drainAllGates(deps);
      expect(drained[0]).toMatchObject({ gate_id: gateId, delivered: 2, stuck: false, engine: 'sent' });
      expect((await voteEvents(deps, input.run.id)).map((e) => [e.action, e.actor.email])).toEqual([
        ['approved', 'alice@acme.com'],
        ['approved', 'bob@acme.com'],
      ]);
      expect(deps.notifier.sent.slice(sentBefore).map((n) => n.kind)).toEqual(['progressed', 'decided']);
      expect(deps.engine.calls).toHaveLength(1);
      expect(deps.engine.calls[0]).toMatchObject({ kind: 'success', token: input.task_token });

      // Draining again delivers nothing twice.
      await drainAllGates(deps);
      expect(await voteEvents(deps, input.run.id)).toHaveLength(2);
      expect(deps.notifier.sent.slice(sentBefore)).toHaveLength(2);
      expect(deps.engine.calls).toHaveLength(1);
      expect(await deps.gates.listWithOutbox()).toEqual([]);
      expect(await deps.gates.listUnnotified()).toEqual([]);
      expect(await deps.gates.listOwing()).toEqual([]);
      expect(verifyAuditChain(await deps.audit.readRun(input.run.id)).ok).toBe(true);
    });

    it('closes a gate without taking the engine call lease, so the drainer can claim it at once', async () => {
      const { deps, voting } = outboxDeps();
      const { gateId } = await open(deps, { required: 1 });
      await castVote(voting, vote(gateId, 'alice@acme.com', { decision: 'reject', comment: 'no' }));
      expect(await deps.gates.claimEngineCall(gateId, deps.now(), ENGINE_CALL_LEASE_MS)).toBe(true);
      // Held now by this claim: a second claimer waits.
      expect(await deps.gates.claimEngineCall(gateId, deps.now(), ENGINE_CALL_LEASE_MS)).toBe(false);
      // The claim above never made its call: once its lease is over the drainer makes it (and the
      // store owes nothing to the next test).
      deps.clock.advance(ENGINE_CALL_LEASE_MS + 1);
      await drainAllGates(deps);
      expect(deps.engine.calls).toMatchObject([{ kind: 'failure', error: 'Rejected' }]);
    });

    it('answers a replayed vote and a vote on a closed gate without draining, and audits the refusal through the outbox', async () => {
      const { deps, voting } = outboxDeps();
      const { gateId, input } = await open(deps, { required: 1 });
      const alice = vote(gateId, 'alice@acme.com', { channel: 'api' });
      const first = await castVote(voting, alice);
      expect(await castVote(voting, alice)).toEqual(first);
      expect(await castVote(voting, vote(gateId, 'bob@acme.com'))).toMatchObject({
        kind: 'refused',
        code: 'closed',
      });
      expect(deps.engine.calls).toEqual([]);
      expect(await deps.audit.readRun(input.run.id)).toEqual(
        expect.not.arrayContaining([expect.objectContaining({ action: 'refused' })]),
      );
      const owed = (await deps.gates.readOutbox(gateId))?.outbox ?? [];
      expect(owed.map((e) => [e.audit.action, e.audit.actor.email, e.notify])).toEqual([
        ['approved', 'alice@acme.com', 'decided'],
        ['refused', 'bob@acme.com', undefined],
      ]);

      await drainAllGates(deps);
      await drainAllGates(deps);
      expect((await voteEvents(deps, input.run.id)).map((e) => [e.action, e.actor.email])).toEqual([
        ['approved', 'alice@acme.com'],
        ['refused', 'bob@acme.com'],
      ]);
      expect(deps.engine.calls).toHaveLength(1);
    });

    it('loses nothing when the process dies between the commit and the drain', async () => {
      const { deps, voting } = outboxDeps();
      const { gateId, input } = await open(deps);
      await castVote(voting, vote(gateId, 'alice@acme.com'));
      await expect(
        castVote({ ...voting, gates: crashAfterClose(deps.gates) }, vote(gateId, 'bob@acme.com')),
      ).rejects.toThrow('process died');
      expect((await deps.gates.get(gateId))?.status).toBe('approved');

      // Another process's drainer, at the same instant, finishes all of it.
      await drainAllGates(deps);
      expect((await voteEvents(deps, input.run.id)).map((e) => e.actor.email)).toEqual([
        'alice@acme.com',
        'bob@acme.com',
      ]);
      expect(deps.engine.calls).toHaveLength(1);
      expect(deps.notifier.sent.filter((n) => n.kind === 'decided')).toHaveLength(1);
    });

    // Giving the lease up would write the gate, and the gates stream delivers every write of an
    // owing gate: against an engine that keeps failing, an endless loop of drains.
    it('keeps the engine call lease when every try failed, and the drain after it runs out tells the engine', async () => {
      const { deps, voting } = outboxDeps();
      const { gateId, input } = await open(deps, { required: 1 });
      await castVote(voting, vote(gateId, 'alice@acme.com'));
      const outage = () => Object.assign(new Error('connect ECONNREFUSED'), { name: 'NetworkError' });
      deps.engine.failNext(...Array.from({ length: DRAIN_ATTEMPTS }, outage));
      expect(await drainGate(deps, gateId)).toMatchObject({ delivered: 1, engine: 'failed' });
      expect(deps.engine.calls).toEqual([]);
      expect(await drainGate(deps, gateId)).toMatchObject({ delivered: 0, engine: 'busy' });
      deps.clock.advance(ENGINE_CALL_LEASE_MS + 1);
      expect(await drainGate(deps, gateId)).toMatchObject({ delivered: 0, engine: 'sent' });
      expect(deps.engine.calls).toMatchObject([{ kind: 'success', token: input.task_token }]);
      expect(await deps.gates.listOwing()).toEqual([]);
    });

    it('tells the engine from the drain even while the audit write keeps failing, and delivers the event later once', async () => {
      const { deps, voting } = outboxDeps();
      const { gateId, input } = await open(deps, { required: 1 });
      await castVote(voting, vote(gateId, 'alice@acme.com'));
      const down = { ...deps, audit: timingOutAudit(deps.audit, 1000) };
      expect(await drainGate(down, gateId)).toMatchObject({ delivered: 0, stuck: true, engine: 'sent' });
      expect(deps.engine.calls).toHaveLength(1);
      expect((await deps.gates.readOutbox(gateId))?.outbox).toHaveLength(1);
      expect(await voteEvents(deps, input.run.id)).toEqual([]);

      await drainAllGates(deps);
      expect((await voteEvents(deps, input.run.id)).map((e) => e.action)).toEqual(['approved']);
      expect(deps.engine.calls).toHaveLength(1);
    });
  });

  describe('resumeGate', () => {
    it('finishes an owed SendTaskSuccess once, and does nothing the second time', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps);
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      await expect(
        castVote({ ...deps, gates: crashAfterClose(deps.gates) }, vote(gateId, 'bob@acme.com')),
      ).rejects.toThrow();
      expect(await resumeGate(deps, gateId)).toMatchObject({ kind: 'busy' });
      deps.clock.advance(ENGINE_CALL_LEASE_MS + 1);
      expect(await resumeGate(deps, gateId)).toMatchObject({
        kind: 'resumed',
        status: 'approved',
        engine_result: 'sent',
      });
      expect(await resumeGate(deps, gateId)).toMatchObject({ kind: 'nothing_to_do', engine_result: 'sent' });
      expect(deps.engine.calls).toHaveLength(1);
    });

    it('retries after an engine outage, found by the sweep', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps, { required: 1 });
      // Every try the drain after the vote makes fails: the gate is left for the sweep.
      const outage = () => Object.assign(new Error('connect ECONNREFUSED'), { name: 'NetworkError' });
      deps.engine.failNext(...Array.from({ length: DRAIN_ATTEMPTS }, outage));
      expect(await castVote(deps, vote(gateId, 'alice@acme.com'))).toMatchObject({
        kind: 'counted',
        status: 'approved',
      });
      expect(await deps.gates.get(gateId)).toMatchObject({ status: 'approved', engine_notified: false });
      deps.clock.advance(ENGINE_CALL_LEASE_MS + 1);
      const outcomes = await resumeAllGates(deps);
      expect(outcomes).toEqual([
        { kind: 'resumed', gate_id: gateId, status: 'approved', engine_result: 'sent' },
      ]);
      expect(deps.engine.calls).toHaveLength(1);
      expect(await resumeAllGates(deps)).toEqual([]);
    });

    it('records "too late" when the engine no longer waits for the task', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps, { required: 1 });
      deps.engine.failNext(new TaskGoneError('the task no longer waits (TaskTimedOut)'));
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      expect(await deps.gates.get(gateId)).toMatchObject({
        engine_notified: true,
        engine_result: 'too_late',
      });
      expect(await resumeGate(deps, gateId)).toMatchObject({
        kind: 'nothing_to_do',
        engine_result: 'too_late',
      });
    });

    it('leaves a pending gate alone', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps);
      expect(await resumeGate(deps, gateId)).toEqual({ kind: 'pending', gate_id: gateId });
    });
  });

  describe('getGate', () => {
    it("shows the gate with its votes, and a run's gates", async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      await castVote(deps, vote(gateId, 'bob@acme.com', { comment: 'fine' }));
      await castVote(deps, vote(gateId, 'vera@acme.com'));
      const view = await getGate(deps, gateId);
      expect(view?.gate).toMatchObject({ gate_id: gateId, status: 'pending' });
      expect(view?.votes).toEqual([
        {
          gate_id: gateId,
          email: 'bob@acme.com',
          name: 'Bob Builder',
          decision: 'approve',
          channel: 'slack',
          at: '2026-11-25T10:00:00.000Z',
          comment: 'fine',
        },
      ]);
      expect(view?.asked).toHaveLength(4);
      expect((await listRunGates(deps, input.run.id)).map((v) => v.gate.gate_id)).toEqual([gateId]);
      expect(await getGate(deps, 'g_000000000000000000000000')).toBeUndefined();
    });
  });

  describe('requestApproval', () => {
    it('stores the gate with resolved approvers, deadline and plan, audits requested and notifies', async () => {
      const deps = makeDeps();
      const input = requestInput({ approvers: ['team:platform-leads', 'user:erin@acme.com', 'team:nobody'] });
      const { gate, outcome } = await requestApproval(deps, input);
      expect(outcome).toBe('created');
      const stored = await deps.gates.get(gate.gate_id);
      expect(stored).toMatchObject({
        status: 'pending',
        required: 2,
        requested_at: '2026-11-25T10:00:00.000Z',
        deadline: '2026-11-25T14:00:00.000Z',
        requester: { email: 'jane@acme.com', name: 'Jane Requester' },
        unresolved: ['team:nobody'],
        data: { plan: { hash: 'sha256:abc123' }, cost: { monthly_delta: 45.2 } },
      });
      expect(stored?.approvers.map((a) => a.email)).toEqual([
        'alice@acme.com',
        'bob@acme.com',
        'carol@acme.com',
        'dave@acme.com',
        'erin@acme.com',
      ]);
      expect(stored?.approvers[0]).toEqual({
        email: 'alice@acme.com',
        name: 'Alice Lead',
        role: 'admin',
        slack: 'U0ALICE',
      });
      const [requested] = await deps.audit.readRun(input.run.id);
      expect(requested).toMatchObject({ action: 'requested', actor: { email: 'jane@acme.com' }, seq: 1 });
      expect(deps.notifier.sent.map((n) => n.kind)).toEqual(['requested']);
    });

    it('never returns the task token from any read', async () => {
      const deps = makeDeps();
      const input = requestInput({}, undefined, 'SECRET-TASK-TOKEN-123');
      const { gate } = await requestApproval(deps, input);
      await castVote(deps, vote(gate.gate_id, 'alice@acme.com'));
      const reads = [
        gate,
        await getGate(deps, gate.gate_id),
        await listRunGates(deps, input.run.id),
        await deps.gates.get(gate.gate_id),
        await deps.gates.listByRun(input.run.id),
        await deps.gates.listByStatus('pending'),
        await deps.audit.readRun(input.run.id),
        deps.notifier.sent,
        deps.log.lines,
      ];
      expect(JSON.stringify(reads)).not.toContain('SECRET-TASK-TOKEN');
      expect(await deps.gates.getTaskToken(gate.gate_id)).toBe('SECRET-TASK-TOKEN-123');
    });

    it('replaces the token on a retried request instead of creating a second gate', async () => {
      const deps = makeDeps();
      const first = requestInput({ required: 1 });
      await requestApproval(deps, first);
      deps.clock.advance(5000);
      const retry = { ...first, task_token: 'token-retry' };
      const { gate, outcome } = await requestApproval(deps, retry);
      expect(outcome).toBe('token_replaced');
      expect(gate.deadline).toBe('2026-11-25T14:00:05.000Z');
      expect(await deps.gates.listByRun(first.run.id)).toHaveLength(1);
      await castVote(deps, vote(gate.gate_id, 'alice@acme.com'));
      expect(deps.engine.calls.map((c) => c.token)).toEqual(['token-retry']);
      const requested = (await deps.audit.readRun(first.run.id)).filter((e) => e.action === 'requested');
      expect(requested).toHaveLength(1);
    });

    it('answers a retried request on a closed gate with the recorded outcome', async () => {
      const deps = makeDeps();
      const first = requestInput({ required: 1 });
      const { gate } = await requestApproval(deps, first);
      await castVote(deps, vote(gate.gate_id, 'alice@acme.com'));
      const { outcome } = await requestApproval(deps, { ...first, task_token: 'token-second-task' });
      expect(outcome).toBe('already_closed');
      expect(deps.engine.calls.map((c) => [c.kind, c.token])).toEqual([
        ['success', first.task_token],
        ['success', 'token-second-task'],
      ]);
    });

    it('schedules each escalation level that falls before the deadline', async () => {
      const deps = makeDeps();
      const { gate } = await requestApproval(
        deps,
        requestInput({
          escalation: [
            { after_seconds: 3600, approvers: ['team:managers'] },
            { after_seconds: 5 * 3600, approvers: ['role:admin'] },
          ],
        }),
      );
      expect(deps.scheduler.scheduled).toEqual([
        { gateId: gate.gate_id, index: 0, at: new Date('2026-11-25T11:00:00.000Z') },
      ]);
    });
  });

  describe('recordTimeout', () => {
    it('marks the gate timed out, audits the timeout as response time and tells the notifiers', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      deps.clock.advance(4 * HOUR);
      const failure = (await recordTimeout(deps, {
        run: input.run,
        step_id: 'approve',
        on_timeout: 'cancel',
        error: { Error: 'States.Timeout' },
      })) as TimeoutFailure;
      expect(failure.Error).toBe('Cancelled');
      expect(JSON.parse(failure.Cause)).toMatchObject({
        gate_id: gateId,
        status: 'timed_out',
        approvals: 1,
        required: 2,
      });
      expect(await deps.gates.get(gateId)).toMatchObject({ status: 'timed_out', engine_notified: true });
      const last = (await deps.audit.readRun(input.run.id)).at(-1);
      expect(last).toMatchObject({
        action: 'timed_out',
        actor: { email: 'system:timeout' },
        response_time_ms: 4 * HOUR,
      });
      expect(deps.notifier.sent.map((n) => n.kind)).toEqual(['requested', 'progressed', 'expired']);
      expect(deps.engine.calls).toEqual([]);
    });

    it('returns TimedOut for on_timeout reject', async () => {
      const deps = makeDeps();
      const { input } = await open(deps, { on_timeout: 'reject' });
      const failure = await recordTimeout(deps, {
        run: input.run,
        step_id: 'approve',
        on_timeout: 'reject',
        error: { Error: 'States.Timeout' },
      });
      expect(failure).toMatchObject({ Error: 'TimedOut' });
    });

    // Issue 13: with timeout 1m and required 1, a vote ~200 ms before the deadline was answered
    // "counted, approved", but the run had already taken approve.timed_out and ended Cancelled.
    it('carries the run on when a vote approved the gate before the backstop fired, and audits no timeout', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps, { required: 1 });
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      const outcome = await recordTimeout(deps, {
        run: input.run,
        step_id: 'approve',
        on_timeout: 'cancel',
        error: { Error: 'States.Timeout' },
      });
      expect(outcome).toMatchObject({
        approved: { gate_id: gateId, status: 'approved', approved_by: [{ email: 'alice@acme.com' }] },
      });
      expect(await deps.gates.get(gateId)).toMatchObject({ status: 'approved' });
      expect((await deps.audit.readRun(input.run.id)).map((e) => e.action)).not.toContain('timed_out');
    });

    it('fails the run as Rejected when a rejection closed the gate before the backstop fired', async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps);
      await castVote(deps, vote(gateId, 'alice@acme.com', { decision: 'reject' }));
      const outcome = await recordTimeout(deps, {
        run: input.run,
        step_id: 'approve',
        on_timeout: 'cancel',
        error: { Error: 'States.Timeout' },
      });
      expect(outcome).toMatchObject({ Error: 'Rejected' });
    });

    // Every offset from -1 s to +1 s around the deadline, in 100 ms steps: exactly one outcome,
    // and the voter's answer, the gate, the audit and what the run does all agree.
    it('agrees with the voter at every offset around the deadline', async () => {
      for (let offset = -1000; offset <= 1000; offset += 100) {
        const deps = makeDeps();
        const { gateId, input } = await open(deps, { required: 1 });
        const deadline = Date.parse((await deps.gates.get(gateId))?.deadline ?? '');
        deps.clock.set(deadline + offset);
        const answer = await castVote(deps, vote(gateId, 'alice@acme.com'));
        // The engine's backstop fires after the deadline.
        deps.clock.set(deadline + 60_000);
        const outcome = await recordTimeout(deps, {
          run: input.run,
          step_id: 'approve',
          on_timeout: 'cancel',
          error: { Error: 'States.Timeout' },
        });
        const gate = await deps.gates.get(gateId);
        const actions = (await deps.audit.readRun(input.run.id)).map((e) => e.action);
        if (offset < 0) {
          expect(answer, `offset ${offset}`).toMatchObject({ kind: 'counted', status: 'approved' });
          expect('approved' in outcome, `offset ${offset}`).toBe(true);
          expect(gate?.status).toBe('approved');
          expect(actions).toContain('approved');
          expect(actions).not.toContain('timed_out');
        } else {
          expect(answer, `offset ${offset}`).toMatchObject({ kind: 'refused', code: 'expired' });
          expect(outcome, `offset ${offset}`).toMatchObject({ Error: 'Cancelled' });
          expect(gate?.status).toBe('timed_out');
          expect(actions).toContain('timed_out');
          expect(actions).not.toContain('approved');
        }
      }
    });
  });

  describe('escalate', () => {
    it("adds the level's people, who may then approve, and audits escalated", async () => {
      const deps = makeDeps();
      const { gateId, input } = await open(deps, {
        required: 1,
        escalation: [{ after_seconds: 3600, approvers: ['team:managers'] }],
      });
      expect(await castVote(deps, vote(gateId, 'erin@acme.com'))).toMatchObject({
        kind: 'refused',
        code: 'not_approver',
      });
      deps.clock.advance(HOUR);
      const outcome = await escalate(deps, gateId, 0);
      expect(outcome).toMatchObject({ kind: 'escalated', people: [{ email: 'erin@acme.com' }] });
      const escalated = deps.notifier.sent.find((n) => n.kind === 'escalated');
      expect(escalated && 'people' in escalated ? escalated.people.map((p) => p.email) : []).toEqual([
        'erin@acme.com',
      ]);
      const event = (await deps.audit.readRun(input.run.id)).find((e) => e.action === 'escalated');
      expect(event).toMatchObject({
        actor: { email: 'system:escalation' },
        details: { level: 0, added: ['erin@acme.com'] },
      });
      expect(await castVote(deps, vote(gateId, 'erin@acme.com'))).toMatchObject({
        kind: 'counted',
        status: 'approved',
      });
    });

    it('fires a level once, and not on a closed gate', async () => {
      const deps = makeDeps();
      const { gateId } = await open(deps, {
        required: 1,
        escalation: [{ after_seconds: 60, approvers: ['team:managers'] }],
      });
      const both = await Promise.all([escalate(deps, gateId, 0), escalate(deps, gateId, 0)]);
      expect(both.filter((o) => o.kind === 'escalated')).toHaveLength(1);
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      const closed = await open(deps, {
        required: 1,
        escalation: [{ after_seconds: 60, approvers: ['team:managers'] }],
      });
      await castVote(deps, vote(closed.gateId, 'alice@acme.com'));
      expect(await escalate(deps, closed.gateId, 0)).toMatchObject({
        kind: 'skipped',
        reason: 'gate is approved',
      });
      expect(deps.notifier.sent.filter((n) => n.kind === 'escalated')).toHaveLength(1);
    });
  });

  describe('superseding', () => {
    /** A run of the fixtures' workflow, started `minutes` after T0, waiting at its gate. */
    async function waitingRun(
      deps: TestDeps,
      minutes: number,
      gate: Parameters<typeof requestInput>[0] = {},
      run: Partial<RunInfo> = {},
    ) {
      const input = requestInput(
        gate,
        runInfo({ started_at: new Date(T0 + minutes * 60_000).toISOString(), ...run }),
      );
      const { gate: created } = await requestApproval(deps, input);
      return { gateId: created.gate_id, input };
    }

    async function approve(deps: TestDeps, gateId: string) {
      await castVote(deps, vote(gateId, 'alice@acme.com'));
      return castVote(deps, vote(gateId, 'bob@acme.com'));
    }

    it('cancels an older waiting run of the same workflow and project once a newer one is approved, and its links answer superseded', async () => {
      const deps = makeDeps();
      const older = await waitingRun(deps, 0);
      await castVote(deps, vote(older.gateId, 'carol@acme.com'));
      const newer = await waitingRun(deps, 5);
      deps.clock.advance(60_000);
      expect(await approve(deps, newer.gateId)).toMatchObject({ kind: 'counted', status: 'approved' });
      await drainAllGates(deps);

      const cancelled = await deps.gates.get(older.gateId);
      expect(cancelled).toMatchObject({
        status: 'cancelled',
        close_comment: `superseded by run ${newer.input.run.id}`,
        closed_by: { email: 'system:supersede' },
        engine_notified: true,
      });
      // The older approval stayed on the older gate: nothing moved to the newer run.
      expect(cancelled?.approved_by.map((a) => a.email)).toEqual(['carol@acme.com']);
      expect((await deps.gates.get(newer.gateId))?.approved_by.map((a) => a.email)).toEqual([
        'alice@acme.com',
        'bob@acme.com',
      ]);
      const failure = deps.engine.calls.find((c) => c.token === older.input.task_token);
      expect(failure).toMatchObject({ kind: 'failure', error: 'Cancelled' });
      expect((failure as { cause: string }).cause).toContain(`superseded by run ${newer.input.run.id}`);
      expect(deps.engine.calls.find((c) => c.token === newer.input.task_token)?.kind).toBe('success');
      const event = (await deps.audit.readRun(older.input.run.id)).find((e) => e.action === 'gate_cancelled');
      expect(event).toMatchObject({
        actor: { email: 'system:supersede' },
        reason: `superseded by run ${newer.input.run.id}`,
        details: { superseded_by_run: newer.input.run.id, approved_plan_hash: 'sha256:abc123' },
      });
      expect(
        deps.notifier.sent.some(
          (n) => n.kind === 'decided' && n.gate.gate_id === older.gateId && n.gate.status === 'cancelled',
        ),
      ).toBe(true);
      const late = await castVote(deps, vote(older.gateId, 'dave@acme.com', { channel: 'email' }));
      expect(late).toMatchObject({ kind: 'refused', code: 'closed' });
      expect((late as { reason: string }).reason).toContain(`superseded by run ${newer.input.run.id}`);
    });

    it('tells the engine to apply the newer run only after the older runs are cancelled', async () => {
      const deps = makeDeps();
      const older = await waitingRun(deps, 0);
      const newer = await waitingRun(deps, 5);
      let failing = true;
      const gates = Object.assign(Object.create(deps.gates) as GateStore, {
        close: async (...args: Parameters<GateStore['close']>) => {
          if (failing && args[0] === older.gateId) throw timeoutError();
          return deps.gates.close(...args);
        },
      });
      const flaky = { ...deps, gates };
      await approve(flaky, newer.gateId);
      expect(deps.engine.calls).toEqual([]);
      expect((await deps.gates.get(older.gateId))?.status).toBe('pending');
      failing = false;
      // The closing vote's engine-call lease runs out before the sweep may make the call.
      deps.clock.advance(ENGINE_CALL_LEASE_MS + 1);
      await drainAllGates(flaky);
      expect((await deps.gates.get(older.gateId))?.status).toBe('cancelled');
      expect(deps.engine.calls.find((c) => c.token === newer.input.task_token)?.kind).toBe('success');
    });

    it('supersedes before telling the engine when a retried request finds the newer gate approved', async () => {
      const deps = makeDeps();
      const older = await waitingRun(deps, 0);
      const newer = await waitingRun(deps, 5);
      const gates = Object.assign(Object.create(deps.gates) as GateStore, {
        close: async (...args: Parameters<GateStore['close']>) => {
          if (args[0] === older.gateId) throw timeoutError();
          return deps.gates.close(...args);
        },
      });
      await approve({ ...deps, gates }, newer.gateId);
      expect(deps.engine.calls).toEqual([]);
      const retried = await requestApproval(deps, { ...newer.input, task_token: 'token-retried' });
      expect(retried.outcome).toBe('already_closed');
      expect((await deps.gates.get(older.gateId))?.status).toBe('cancelled');
      expect(deps.engine.calls.filter((c) => c.token === 'token-retried').map((c) => c.kind)).toEqual([
        'success',
      ]);
    });

    it('cancels the older push’s waiting run of a pull request when the newer push’s run is requested; other pull requests stay', async () => {
      const deps = makeDeps();
      const onPr = (number: number, commit: string): Partial<RunInfo> => ({
        trigger: {
          type: 'github',
          event: 'pull_request',
          delivery: `d-${number}-${commit}`,
          repository: 'acme/infrastructure',
          branch: 'main',
          pr: {
            number,
            title: 'Widen the VPC',
            author: 'jane',
            url: 'https://github.com/x',
            merge_commit: commit,
          },
        },
      });
      const olderPush = await waitingRun(deps, 0, {}, onPr(7, 'a'.repeat(40)));
      const otherPr = await waitingRun(deps, 1, {}, onPr(8, 'b'.repeat(40)));
      const newerPush = await waitingRun(deps, 5, {}, onPr(7, 'c'.repeat(40)));
      // Requested, not yet approved: a newer push is enough.
      expect((await deps.gates.get(newerPush.gateId))?.status).toBe('pending');
      expect(await deps.gates.get(olderPush.gateId)).toMatchObject({
        status: 'cancelled',
        close_comment: `superseded by run ${newerPush.input.run.id}`,
      });
      expect((await deps.gates.get(otherPr.gateId))?.status).toBe('pending');
      await drainAllGates(deps);
      expect(deps.engine.calls.find((c) => c.token === olderPush.input.task_token)).toMatchObject({
        kind: 'failure',
        error: 'Cancelled',
      });
      const event = (await deps.audit.readRun(olderPush.input.run.id)).find(
        (e) => e.action === 'gate_cancelled',
      );
      expect(event?.details).toMatchObject({
        superseded_by_run: newerPush.input.run.id,
        newer_commit: 'c'.repeat(40),
      });
      // Approving the newer push leaves the other pull request's run waiting.
      await approve(deps, newerPush.gateId);
      await drainAllGates(deps);
      expect((await deps.gates.get(otherPr.gateId))?.status).toBe('pending');
    });

    it('leaves newer runs, other projects, other workflows and workflows with supersede: false waiting', async () => {
      const deps = makeDeps();
      const otherProject = await waitingRun(deps, 0);
      const plan = otherProject.input.data.plan;
      if (plan) plan.project = 'aws-production-dns';
      await deps.gates.close(otherProject.gateId, {
        status: 'cancelled',
        closed_at: new Date(T0).toISOString(),
        closed_by: { email: 'test', name: 'test' },
        engine_notified: true,
      });
      const dns = await requestApproval(deps, {
        ...otherProject.input,
        run: runInfo({ started_at: new Date(T0).toISOString() }),
      });
      const otherWorkflow = await waitingRun(deps, 1, {}, { workflow: 'another-deploy' });
      const optedOut = await waitingRun(deps, 2, { supersede: false });
      const approved = await waitingRun(deps, 3);
      const newer = await waitingRun(deps, 4);
      await approve(deps, approved.gateId);
      await drainAllGates(deps);
      for (const gateId of [dns.gate.gate_id, otherWorkflow.gateId, optedOut.gateId, newer.gateId]) {
        expect((await deps.gates.get(gateId))?.status).toBe('pending');
      }
    });

    it('cancels an older run once when two newer runs are approved at the same moment', async () => {
      const deps = makeDeps();
      const older = await waitingRun(deps, 0);
      const first = await waitingRun(deps, 5);
      const second = await waitingRun(deps, 6);
      await castVote(deps, vote(first.gateId, 'alice@acme.com'));
      await castVote(deps, vote(second.gateId, 'alice@acme.com'));
      await Promise.all([
        castVote(deps, vote(first.gateId, 'bob@acme.com')),
        castVote(deps, vote(second.gateId, 'bob@acme.com')),
      ]);
      await drainAllGates(deps);
      const events = (await deps.audit.readRun(older.input.run.id)).filter(
        (e) => e.action === 'gate_cancelled',
      );
      expect(events).toHaveLength(1);
      expect(deps.engine.calls.filter((c) => c.token === older.input.task_token)).toHaveLength(1);
    });
  });
}

/** Re-exported so suites can type outcomes. */
export type { VoteOutcome };

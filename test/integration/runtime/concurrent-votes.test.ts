/**
 * Reproduction: 100 runs parked at a 2-of-4 gate and 200 concurrent `POST /api/gates/{id}/votes`;
 * 109 answered 500 (TimeoutError in the log), yet all 200 were counted, so a client could not
 * tell a counted vote from a lost one. Here at a small size (10 runs, 20 votes) with the same
 * fault made reliable: the first audit write of every vote and the first SendTaskSuccess of every
 * gate time out. The full size runs in `npm run bench` (bench/votes.bench.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLog, WorkflowEngine } from '../../../functions/core/ports.ts';
import { GATE_WORKFLOW, gateWorkspace, PLATFORM_LEADS } from '../../support/gate-workspace.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime({ root: gateWorkspace() });
  injectTimeouts(rt);
});
afterAll(async () => {
  await rt?.stop();
});

function timeoutError(): Error {
  return Object.assign(new Error('the request socket timed out'), { name: 'TimeoutError' });
}

/** The first write of each vote's audit event, and the first SendTaskSuccess per task, time out. */
function injectTimeouts(runtime: TestRuntime): void {
  const audit = runtime.deps.audit;
  const seen = new Set<string>();
  runtime.deps.audit = {
    append: (...args: Parameters<AuditLog['append']>) => {
      const [event] = args;
      const vote = `${event.run_id} ${event.actor.email} ${event.action}`;
      if ((event.action === 'approved' || event.action === 'rejected') && !seen.has(vote)) {
        seen.add(vote);
        return Promise.reject(timeoutError());
      }
      return audit.append(...args);
    },
  };
  const engine = runtime.deps.engine;
  const tokens = new Set<string>();
  runtime.deps.engine = {
    sendTaskSuccess: (token: string, output: unknown) => {
      if (tokens.has(token)) return engine.sendTaskSuccess(token, output);
      tokens.add(token);
      return Promise.reject(timeoutError());
    },
    sendTaskFailure: (token: string, error: string, cause: string) =>
      engine.sendTaskFailure(token, error, cause),
  } satisfies WorkflowEngine;
}

interface Sent {
  gateId: string;
  as: string;
  decision: 'approve' | 'reject';
  status: number;
  body: { kind?: string; status?: string; approvals?: number };
}

describe('200 concurrent votes on 100 runs parked at a 2-of-4 gate, at 1/10 the size', () => {
  it('answers every counted vote 2xx, audits each once, decides every gate right and moves approved runs on', async () => {
    const runs = await Promise.all(
      Array.from({ length: 10 }, () => rt.startRun('jane@acme.com', GATE_WORKFLOW)),
    );
    const gates = await Promise.all(runs.map((run) => rt.pendingGate('jane@acme.com', run.id, 'approve')));
    const [a, b, c, d] = PLATFORM_LEADS as [string, string, string, string];
    const plan: { gate: number; as: string; decision: 'approve' | 'reject' }[] = [
      // Runs 0-5: two distinct leads approve.
      ...[0, 1, 2, 3, 4, 5].flatMap((i) => [
        { gate: i, as: PLATFORM_LEADS[i % 4] as string, decision: 'approve' as const },
        { gate: i, as: PLATFORM_LEADS[(i + 1) % 4] as string, decision: 'approve' as const },
      ]),
      // Run 6: a lead and a viewer (refused): stays pending.
      { gate: 6, as: a, decision: 'approve' },
      { gate: 6, as: 'victor@acme.com', decision: 'approve' },
      // Run 7: one lead, their request sent twice (a client retry): counted once, stays pending.
      { gate: 7, as: b, decision: 'approve' },
      { gate: 7, as: b, decision: 'approve' },
      // Run 8: a lead approves while another rejects: rejected, whatever the order.
      { gate: 8, as: c, decision: 'approve' },
      { gate: 8, as: d, decision: 'reject' },
      // Run 9: the requester (no self-approval) and one lead: stays pending.
      { gate: 9, as: 'jane@acme.com', decision: 'approve' },
      { gate: 9, as: d, decision: 'approve' },
    ];
    expect(plan).toHaveLength(20);
    const sent: Sent[] = await Promise.all(
      plan.map(async (p) => {
        const gateId = gates[p.gate] as string;
        const { status, body } = await rt.vote(p.as, gateId, p.decision);
        return { gateId, as: p.as, decision: p.decision, status, body };
      }),
    );

    // Counted votes, as the gates recorded them.
    const finals = await Promise.all(gates.map((g) => rt.deps.gates.get(g)));
    const counted = (s: Sent) => {
      const gate = finals.find((g) => g?.gate_id === s.gateId);
      if (s.decision === 'approve') return gate?.approved_by.some((x) => x.email === s.as) ?? false;
      return gate?.status === 'rejected' && gate.closed_by?.email === s.as;
    };
    const countedSent = sent.filter(counted);
    expect(countedSent.filter((s) => s.status < 200 || s.status > 299)).toEqual([]);
    expect(countedSent.every((s) => s.body.kind === 'counted')).toBe(true);
    // The retried request got the first answer, word for word.
    const retried = sent.filter((s) => s.gateId === gates[7]);
    expect(retried[0]?.body).toEqual(retried[1]?.body);
    expect(retried[0]?.body).toMatchObject({ kind: 'counted', approvals: 1, status: 'pending' });
    // What was not counted was refused with a 4xx and a reason, never a 5xx.
    expect(
      sent
        .filter((s) => !counted(s))
        .map((s) => s.status)
        .sort(),
    ).toEqual([403, 403]);

    // Each gate is right: approved exactly when two distinct eligible leads approved.
    expect(finals.map((g) => g?.status)).toEqual([
      ...Array(6).fill('approved'),
      'pending',
      'pending',
      'rejected',
      'pending',
    ]);
    for (const gate of finals) {
      expect(new Set(gate?.approved_by.map((x) => x.email)).size).toBe(gate?.approved_by.length);
    }

    // Audit vote events equal accepted votes (one per counted vote, none for the retry).
    const accepted = new Set(countedSent.map((s) => `${s.gateId} ${s.as} ${s.decision}`)).size;
    const voteEvents = async () => {
      let n = 0;
      for (const run of runs) {
        n += (await rt.deps.auditQuery.readRun(run.id)).filter(
          (e) => e.action === 'approved' || e.action === 'rejected',
        ).length;
      }
      return n;
    };
    await expect.poll(voteEvents, { timeout: 15_000 }).toBe(accepted);
    // 12 on runs 0-5, one each on runs 6, 7 and 9, and on run 8 the rejection, with or without the approval.
    expect([16, 17]).toContain(accepted);

    // Every approved run goes on and ends; the rejected one fails as Rejected.
    for (const [i, run] of runs.entries()) {
      if (i > 5 && i !== 8) continue;
      const done = await rt.waitFor('jane@acme.com', run.id, () => false, 30_000);
      expect(done.run.status).toBe(i === 8 ? 'FAILED' : 'SUCCEEDED');
    }
    for (const run of runs) {
      const verify = await rt.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
      expect(verify.body.ok).toBe(true);
    }
  });
});

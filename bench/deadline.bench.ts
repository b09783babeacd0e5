/**
 * The gate's deadline is the only clock, at full size: one gate per millisecond from 1 s before
 * its deadline to 1 s after (2,001 gates, on the in-memory stores with a settable clock). Each
 * gets one approval at its offset, then the engine's backstop asks the gate how it ended. Prints
 * how many gates the voter's answer, the gate, the audit and the run's path disagreed on (the
 * test suite runs the same check every 100 ms).
 */

import { castVote } from '../functions/core/approval/cast-vote.ts';
import { recordTimeout } from '../functions/core/approval/record-timeout.ts';
import { requestApproval } from '../functions/core/approval/request-approval.ts';
import { createMemoryDeps, requestInput } from '../test/support/approval-fixtures.ts';

export default async function deadlineBench(): Promise<void> {
  const started = performance.now();
  let gates = 0;
  let disagreements = 0;
  for (let offset = -1000; offset <= 1000; offset += 1) {
    const deps = createMemoryDeps();
    const input = requestInput({ required: 1 });
    const { gate } = await requestApproval(deps, input);
    const deadline = Date.parse(gate.deadline);
    deps.clock.set(deadline + offset);
    const answer = await castVote(deps, {
      gateId: gate.gate_id,
      voter: 'alice@acme.com',
      decision: 'approve',
      channel: 'api',
    });
    deps.clock.set(deadline + 60_000);
    const outcome = await recordTimeout(deps, {
      run: input.run,
      step_id: input.step_id,
      on_timeout: 'cancel',
      error: { Error: 'States.Timeout' },
    });
    const status = (await deps.gates.get(gate.gate_id))?.status;
    const actions = (await deps.audit.readRun(input.run.id)).map((e) => e.action);
    const counted = answer.kind === 'counted';
    const agree = counted
      ? 'approved' in outcome &&
        status === 'approved' &&
        actions.includes('approved') &&
        !actions.includes('timed_out')
      : !('approved' in outcome) &&
        status === 'timed_out' &&
        actions.includes('timed_out') &&
        !actions.includes('approved');
    // Before the deadline the vote must count; from the deadline on it must not.
    if (!agree || counted !== offset < 0) disagreements += 1;
    gates += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${gates} gates, one vote each at every 1 ms from -1 s to +1 s around the deadline: ${disagreements} disagreements (answer, gate, audit, run path) in ${seconds.toFixed(1)} s`,
  );
}

/**
 * Everything a committed vote still owes, done after the commit: the gate's outbox (the vote's
 * audit event, then the Slack/email/metrics notification) in commit order, then the engine call
 * of a closed gate. Safe to run from anywhere, as often as wanted, by several processes at once:
 * audit appends are idempotent by the entry's id, notifications only refresh what people see, and
 * the engine call is made once under the gate's lease.
 */

import type { EngineResult, Gate, OutboxEntry } from '../ports.ts';
import { safely } from '../safely.ts';
import { logOf, type VoteDeps } from './approval-deps.ts';
import { ENGINE_CALL_LEASE_MS, type ResumeOutcome } from './resume-gate.ts';
import { supersedeOlderRuns } from './supersede-older-runs.ts';
import { tellEngine } from './tell-engine.ts';

/** Tries per outbox entry or engine call within one drain; what still fails is left for the sweep. */
export const DRAIN_ATTEMPTS = 3;

/** At most this many entries per drain of one gate (a gate has one per counted vote). */
const MAX_ENTRIES = 50;

/** What one drain did. */
export interface DrainOutcome {
  gate_id: string;
  /** Outbox entries delivered and removed by this drain. */
  delivered: number;
  /** True when an entry still failed after every try (it stays in the outbox). */
  stuck: boolean;
  /** The engine call, when the gate owed one. */
  engine?: Exclude<ResumeOutcome['kind'], 'resumed'> | EngineResult | 'failed';
}

/**
 * Drains one gate. `closer` is true for the vote that closed the gate: its close took the engine
 * call's lease, so it calls the engine directly; anyone else goes through the lease.
 */
export async function drainGate(
  deps: VoteDeps,
  gateId: string,
  options: { closer?: boolean } = {},
): Promise<DrainOutcome> {
  const outcome: DrainOutcome = { gate_id: gateId, delivered: 0, stuck: false };
  let read = await deps.gates.readOutbox(gateId);
  for (let i = 0; i < MAX_ENTRIES && read; i++) {
    const { gate, outbox } = read;
    const [entry] = outbox;
    if (!entry) break;
    if (!(await withRetries(deps, 'outbox entry', () => deliver(deps, gate, entry)))) {
      // Later entries wait, so the audit trail keeps the order the votes were counted in.
      outcome.stuck = true;
      break;
    }
    const left = await deps.gates.removeOutboxEntry(gateId, entry.id);
    if (left) outcome.delivered += 1;
    // Someone else removed the entry first: read where the outbox stands now.
    read = left ?? (await deps.gates.readOutbox(gateId));
  }
  // The engine is told even when an audit write keeps failing: the run must not wait on the audit.
  const gate = read?.gate;
  if (!gate) outcome.engine = 'not_found';
  else if (gate.status !== 'pending' && !gate.engine_notified) {
    // An approved run moves on only once the older runs it supersedes are cancelled; until then
    // the gate stays owing, and the next drain tries again.
    if (!(await withRetries(deps, 'supersede', () => supersede(deps, gate)))) {
      outcome.stuck = true;
      return outcome;
    }
    outcome.engine = await callEngine(deps, gate, options.closer === true);
  }
  return outcome;
}

async function supersede(deps: VoteDeps, gate: Gate): Promise<void> {
  const closed = await supersedeOlderRuns(deps, gate);
  if (closed.length > 0) logOf(deps).info('superseded older runs', { gate_id: gate.gate_id, gates: closed });
}

/** Drains every gate whose outbox owes something, then makes every owed engine call (the sweep). */
export async function drainAllGates(deps: VoteDeps, limit = 100): Promise<DrainOutcome[]> {
  const outcomes: DrainOutcome[] = [];
  // Outbox entries first, then closed gates whose engine call is still owed (a failed call, a crash).
  for (const gateId of await deps.gates.listOwing(limit)) outcomes.push(await drainGate(deps, gateId));
  return outcomes;
}

/** One entry's effects: the audit event (once, by its id), then the notification (if owed) with the gate as just read. */
async function deliver(deps: VoteDeps, gate: Gate, entry: OutboxEntry): Promise<void> {
  await deps.audit.append(entry.audit, entry.id);
  const { notifier } = deps;
  const notify = entry.notify;
  if (!notify) return;
  await safely(deps, `notify ${notify}`, () =>
    notify === 'decided' ? notifier.decided(gate) : notifier.progressed(gate),
  );
}

async function tellEngineWithRetries(deps: VoteDeps, gate: Gate): Promise<DrainOutcome['engine']> {
  let result: DrainOutcome['engine'] = 'failed';
  await withRetries(deps, 'engine call', async () => {
    result = await tellEngine(deps, gate);
    if (result === 'failed') throw new EngineCallFailed();
  });
  return result;
}

/**
 * The engine call of a closed gate, with retries under the lease: the closing vote's write took it
 * (inline mode), anyone else claims it first and finds `busy` while another holds it. A claim whose
 * call still failed keeps its lease until it runs out, and the sweep tries again. Giving it up
 * would write the gate, and the gates stream turns every write of an owing gate into another
 * delivery: against an engine that throttles or refuses, an endless loop of invocations.
 */
async function callEngine(deps: VoteDeps, gate: Gate, closer: boolean): Promise<DrainOutcome['engine']> {
  if (closer) return tellEngineWithRetries(deps, gate);
  const now = deps.now();
  try {
    if (!(await deps.gates.claimEngineCall(gate.gate_id, now, ENGINE_CALL_LEASE_MS))) return 'busy';
  } catch (error) {
    logOf(deps).error('engine call claim failed', { gate_id: gate.gate_id, error: nameOf(error) });
    return 'failed';
  }
  return tellEngineWithRetries(deps, gate);
}

/** The engine could not be reached (tellEngine already logged it); try again. */
class EngineCallFailed extends Error {
  override name = 'EngineCallFailed';
}

/** Runs `work` up to DRAIN_ATTEMPTS times with a short backoff; true once it succeeded. Logs names only. */
async function withRetries(deps: VoteDeps, what: string, work: () => Promise<void>): Promise<boolean> {
  for (let attempt = 1; attempt <= DRAIN_ATTEMPTS; attempt++) {
    try {
      await work();
      return true;
    } catch (error) {
      if (!(error instanceof EngineCallFailed)) {
        logOf(deps).warn(`${what} failed`, { attempt, error: nameOf(error) });
      }
      if (attempt < DRAIN_ATTEMPTS) await sleep(25 * 4 ** attempt * (0.5 + Math.random()));
    }
  }
  return false;
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Lambda for the drainer: with `{ gate_id }` it drains that gate (what its votes still owe, then
 * its engine call); with the gates table's stream records (only those of gates that owe
 * something reach it, by the event source mapping's filters) it drains each of their gates; with
 * no gate id (the 5-minute schedule, the backstop) it drains every gate that owes something and
 * closes the pending gates of runs that ended without them (stopped by hand, for instance), and
 * retries the GitHub reports that are owed.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { GATE_SK } from '../adapters/dynamodb-gate-store.ts';
import { cancelOrphanGates } from '../core/approval/cancel-orphan-gates.ts';
import { type DrainOutcome, drainAllGates, drainGate } from '../core/approval/drain-gate.ts';
import { isGateId } from '../core/approval/gate.ts';
import { reportOwedRuns } from '../core/github/report-run-to-github.ts';
import { depsFor } from '../wiring/scope.ts';
import { createResumeGateDeps, type ResumeGateDeps } from './deps.ts';

const getDeps = depsFor(createResumeGateDeps);

/** Handles `{ gate_id? }` and the gates table's stream records. */
export const handler = async (event: DynamoDBStreamEvent | { gate_id?: string } | undefined) => {
  const deps = getDeps();
  if (event && 'Records' in event) return drainStreamRecords(deps, event.Records);
  const gateId = event?.gate_id;
  if (gateId !== undefined && !isGateId(gateId))
    throw new Error('resume-gate expects { gate_id } with a gate id');
  const outcomes = gateId ? [await drainGate(deps, gateId)] : await drainAllGates(deps);
  for (const outcome of outcomes) deps.logger.info('drain', { ...outcome });
  if (gateId) return { outcomes };
  return {
    outcomes,
    cancelled: await cancelOrphanGates(deps),
    github: await reportOwedRuns(deps.githubReporting),
  };
};

/**
 * Drains each gate named in the batch once. A gate whose drain got stuck (an entry still failing
 * after its tries, the engine unreachable, or the drain throwing) is reported by the sequence
 * number of its first record, so Lambda retries from there
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html).
 */
async function drainStreamRecords(
  deps: ResumeGateDeps,
  records: DynamoDBRecord[],
): Promise<DynamoDBBatchResponse> {
  const firstRecord = new Map<string, string>();
  for (const record of records) {
    const keys = record.dynamodb?.Keys;
    const gateId = keys?.gate_id?.S;
    const sequence = record.dynamodb?.SequenceNumber;
    // Vote items and Slack message references share the table; only the gate's own item counts.
    if (keys?.sk?.S !== GATE_SK || !gateId || !isGateId(gateId) || !sequence) continue;
    if (!firstRecord.has(gateId)) firstRecord.set(gateId, sequence);
  }
  const stuck = await Promise.all(
    [...firstRecord.keys()].map(async (gateId) => {
      try {
        const outcome = await drainGate(deps, gateId);
        deps.logger.info('drain', { ...outcome });
        return isStuck(outcome);
      } catch (error) {
        deps.logger.error('drain failed', {
          gate_id: gateId,
          error: error instanceof Error ? error.name : typeof error,
        });
        return true;
      }
    }),
  );
  const failed = [...firstRecord.values()].filter((_, i) => stuck[i]);
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

function isStuck(outcome: DrainOutcome): boolean {
  return outcome.stuck || outcome.engine === 'failed';
}

/**
 * How the gates table's stream reaches the drainer (resume-gate), in one place: the CDK stack
 * configures the event source mapping and the sweep from it, and local/gates-stream.ts, which
 * stands in for both where there is no stream, behaves as it says.
 */

/** The gate item attributes that mark it as owing something (the mapping's filters, ORed). */
export const OWING_MARKERS = ['outbox_pending', 'notify_pending'] as const;

/** The value an owing marker holds (a string: the sparse indexes' key). */
export const OWES = '1';

/** The event source mapping. */
export const GATES_STREAM_MAPPING = {
  /** Records per invocation at most. */
  batchSize: 10,
  /** Retries of a batch that reports failures, after which its records are discarded. */
  retryAttempts: 3,
  /** How often Lambda polls a shard (4 times a second, per the Lambda Developer Guide). */
  pollIntervalMs: 250,
} as const;

/** The backstop: resume-gate with `{}` on a schedule, whatever the stream did or dropped. */
export const GATES_SWEEP_MINUTES = 5;

/**
 * The CloudWatch metrics the handlers emit with Powertools (embedded metric format) and the
 * alarms and dashboard read. Namespace `signoff`, dimension `service` = `signoff` (Powertools'
 * default dimension from POWERTOOLS_SERVICE_NAME).
 */

/** POWERTOOLS_METRICS_NAMESPACE of every function. */
export const METRICS_NAMESPACE = 'signoff';

/** POWERTOOLS_SERVICE_NAME of every function: the `service` dimension of every metric. */
export const SERVICE_NAME = 'signoff';

/** Metric names, and when a handler emits each one. */
export const METRIC = {
  /** Count, 1 per gate opened (request-approval). */
  approvalRequested: 'ApprovalRequested',
  /** Count, 1 per gate closed by its timeout (record-timeout). */
  approvalTimedOut: 'ApprovalTimedOut',
  /** Milliseconds from request to the deciding vote, 1 per gate approved or rejected. */
  approvalResponseTimeMs: 'ApprovalResponseTimeMs',
} as const;

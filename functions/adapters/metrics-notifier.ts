/**
 * CloudWatch metrics for the approval lifecycle, emitted with Powertools (embedded metric
 * format): gates requested, timed out, and the response time of each decision. The alarms and
 * the dashboard of the CDK stack read them (names in functions/metric-names.ts).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Gate, Notifier } from '../core/ports.ts';
import { METRIC, METRICS_NAMESPACE } from '../metric-names.ts';

/** A Notifier that records metrics and publishes them at once (each call is one Lambda's event). */
export class MetricsNotifier implements Notifier {
  constructor(private readonly metrics: Metrics = new Metrics({ namespace: METRICS_NAMESPACE })) {}

  async requested(_gate: Gate): Promise<void> {
    this.emit(METRIC.approvalRequested, MetricUnit.Count, 1);
  }

  async progressed(_gate: Gate): Promise<void> {}

  async decided(gate: Gate): Promise<void> {
    if ((gate.status !== 'approved' && gate.status !== 'rejected') || !gate.closed_at) return;
    const ms = Date.parse(gate.closed_at) - Date.parse(gate.requested_at);
    if (Number.isFinite(ms) && ms >= 0) this.emit(METRIC.approvalResponseTimeMs, MetricUnit.Milliseconds, ms);
  }

  async expired(_gate: Gate): Promise<void> {
    this.emit(METRIC.approvalTimedOut, MetricUnit.Count, 1);
  }

  async escalated(): Promise<void> {}

  private emit(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void {
    this.metrics.addMetric(name, unit, value);
    this.metrics.publishStoredMetrics();
  }
}

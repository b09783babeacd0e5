/**
 * Scheduler on setTimeout, for the local runtime: one process, so a restart forgets pending
 * escalations (escalate itself skips gates that closed meanwhile).
 */
import type { LogPort, Scheduler } from '../core/ports.ts';

/** Longest delay setTimeout accepts (about 24.8 days); longer waits are chained. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** What runs when an escalation is due. */
export type EscalationHandler = (gateId: string, index: number) => Promise<unknown>;

/** Scheduler that calls a function in this process when each escalation is due. */
export class TimerScheduler implements Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly onDue: EscalationHandler,
    private readonly log: LogPort,
    private readonly now: () => number = Date.now,
    /** Tests only: multiplies every delay, so an escalation due in an hour fires in seconds. */
    private readonly scale = 1,
  ) {}

  async scheduleEscalation(gateId: string, index: number, at: Date): Promise<void> {
    const now = this.now();
    this.arm(gateId, index, now + Math.max(0, at.getTime() - now) * this.scale);
  }

  /** Cancels every pending timer (on shutdown). */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(gateId: string, index: number, at: number): void {
    const delay = Math.max(0, at - this.now());
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (delay > MAX_DELAY_MS) return this.arm(gateId, index, at);
        this.onDue(gateId, index).catch((error: unknown) => {
          this.log.error('escalation failed', {
            gate_id: gateId,
            index,
            error: error instanceof Error ? error.name : typeof error,
          });
        });
      },
      Math.min(delay, MAX_DELAY_MS),
    );
    // A pending escalation must not keep the process alive on its own.
    timer.unref();
    this.timers.add(timer);
  }
}

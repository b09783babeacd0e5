/**
 * A bounded pool of build workers: at most `size` builds run at once, the others wait in
 * arrival order. A burst of run starts then queues builds instead of starving the process.
 */

/** What the pool has seen, for the health of the local runtime and the benchmarks. */
export interface BuildPoolStats {
  size: number;
  running: number;
  queued: number;
  /** The most builds that ever ran at once. */
  maxRunning: number;
  started: number;
  finished: number;
}

/** Thrown by `acquire` when the signal aborts while the build waits in the queue. */
export class BuildCancelledError extends Error {
  override name = 'BuildCancelledError';
}

/** A FIFO semaphore over build slots. */
export class BuildPool {
  private running = 0;
  private maxRunning = 0;
  private started = 0;
  private finished = 0;
  private readonly queue: { grant: () => void }[] = [];

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`a build pool needs at least one worker, not ${size}`);
  }

  /**
   * Waits for a free worker and returns the function that frees it. Rejects with
   * BuildCancelledError when `signal` aborts first; the build then never runs.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted)
      return Promise.reject(new BuildCancelledError('the build was cancelled while queued'));
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.take());
        },
      };
      const onAbort = () => {
        const index = this.queue.indexOf(entry);
        if (index < 0) return;
        this.queue.splice(index, 1);
        reject(new BuildCancelledError('the build was cancelled while queued'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.running < this.size) entry.grant();
      else this.queue.push(entry);
    });
  }

  /** The pool's counters right now. */
  stats(): BuildPoolStats {
    return {
      size: this.size,
      running: this.running,
      queued: this.queue.length,
      maxRunning: this.maxRunning,
      started: this.started,
      finished: this.finished,
    };
  }

  private take(): () => void {
    this.running += 1;
    this.started += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      this.finished += 1;
      this.queue.shift()?.grant();
    };
  }
}

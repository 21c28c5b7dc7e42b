/**
 * Pacing of a node's status. Node-RED sends every `node.status()` call to
 * every open editor; a node handling hundreds of messages a second must not
 * redraw its status for each one. The throttle shows at most one status per
 * interval, always the latest one, and nothing that is already shown.
 */
import type { NodeStatus } from "./red.js";

/** How often a streamgram node may redraw its status: at most 4 times a second. */
export const STATUS_INTERVAL_MS = 250;

/** Options of a {@link StatusThrottle}. */
export interface StatusThrottleOptions {
  /** Shortest time between two statuses shown. Default {@link STATUS_INTERVAL_MS}. */
  intervalMs?: number;
  /** Draws a status (the node's `status`). */
  show(status: NodeStatus): void;
}

/**
 * Shows the latest status it is given, at most once per interval.
 *
 * A status given when the last one was shown at least an interval ago is shown
 * at once; otherwise it waits for the end of the interval, replaced by any
 * later one. So a burst of updates shows its first state at once and its last
 * state (a finished stream, for instance) at most one interval after it was
 * given. A status equal to the one shown is not shown again.
 */
export class StatusThrottle {
  private readonly intervalMs: number;
  private shown: string | undefined;
  private shownAt = Number.NEGATIVE_INFINITY;
  private pending: NodeStatus | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  /** @throws RangeError when `intervalMs` is not a number of milliseconds above 0. */
  constructor(private readonly options: StatusThrottleOptions) {
    const intervalMs = options.intervalMs ?? STATUS_INTERVAL_MS;
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
      throw new RangeError(
        `status throttle: intervalMs must be a number of milliseconds above 0, got ${intervalMs}`,
      );
    }
    this.intervalMs = intervalMs;
  }

  /** Show `status` now or at the end of the current interval (unless a later status replaces it). */
  update(status: NodeStatus): void {
    if (this.stopped) return;
    const key = JSON.stringify(status);
    if (key === this.shown) {
      // What the editor shows is already the latest state: a waiting older one must not overwrite it.
      this.pending = undefined;
      this.clearTimer();
      return;
    }
    const wait = this.shownAt + this.intervalMs - Date.now();
    if (wait <= 0 && this.timer === undefined) {
      this.draw(status, key);
      return;
    }
    this.pending = status;
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, wait));
  }

  /** Drop the status waiting to be shown and show nothing more (the node is closing). */
  stop(): void {
    this.stopped = true;
    this.pending = undefined;
    this.clearTimer();
  }

  private flush(): void {
    this.timer = undefined;
    const status = this.pending;
    this.pending = undefined;
    if (status !== undefined) this.draw(status, JSON.stringify(status));
  }

  private draw(status: NodeStatus, key: string): void {
    this.shown = key;
    this.shownAt = Date.now();
    this.options.show(status);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

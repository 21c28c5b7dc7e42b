/**
 * The record of every API call the emulator received, with counters and a
 * way for tests to wait until the bot has made a call (pending or answered).
 */

import type { CallRecord, EmulatorStats } from "./types.js";

/** How a call ended: a reply, or a socket reset without one. */
export type CallOutcome =
  | { status: number; ok: boolean; description?: string; retryAfter?: number }
  | { reset: true; description: string };

interface Waiter {
  predicate: (call: CallRecord) => boolean;
  resolve: (call: CallRecord) => void;
}

/** Calls in the order received; each is completed when answered. */
export class CallLog {
  /** Every call received, in order (the same array the emulator exposes). */
  readonly records: CallRecord[] = [];
  private waiters: Waiter[] = [];

  /** Record a call as it arrives (status 0 until answered), and wake tests waiting for it. */
  add(record: CallRecord): void {
    this.records.push(record);
    this.wake(record);
  }

  /** Complete a record with how the call ended, and wake tests waiting for it. */
  answer(record: CallRecord, outcome: CallOutcome, at: number): void {
    if ("reset" in outcome) {
      record.status = 0;
      record.ok = false;
      record.description = outcome.description;
    } else {
      record.status = outcome.status;
      record.ok = outcome.ok;
      if (outcome.description !== undefined) record.description = outcome.description;
      if (outcome.retryAfter !== undefined) record.retryAfter = outcome.retryAfter;
    }
    record.answeredAt = at;
    this.wake(record);
  }

  /** Resolve every waiter whose predicate holds for `record` in its present state. */
  private wake(record: CallRecord): void {
    const matched = this.waiters.filter((w) => w.predicate(record));
    this.waiters = this.waiters.filter((w) => !matched.includes(w));
    for (const waiter of matched) waiter.resolve(record);
  }

  /** Counts by method, 429 replies and error replies (status >= 400). */
  stats(): EmulatorStats {
    const calls: Record<string, number> = {};
    let tooManyRequests = 0;
    let errors = 0;
    for (const record of this.records) {
      calls[record.method] = (calls[record.method] ?? 0) + 1;
      if (record.status === 429) tooManyRequests++;
      if (record.status >= 400) errors++;
    }
    return { calls, total: this.records.length, tooManyRequests, errors };
  }

  /**
   * The first call matching `predicate`: one already received (answered or
   * still pending, like a long poll), or the next one to match. The predicate
   * sees each call when it arrives (`status` 0, no `answeredAt`) and again
   * when it is answered, so a predicate on `ok` or `status` waits for the
   * answer. Rejects after `timeoutMs` real milliseconds.
   */
  waitFor(predicate: (call: CallRecord) => boolean, timeoutMs: number): Promise<CallRecord> {
    if (typeof predicate !== "function") {
      return Promise.reject(new TypeError("waitForCall needs a predicate function"));
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new RangeError(`timeoutMs must be a number >= 0, got ${timeoutMs}`));
    }
    const seen = this.records.find((r) => predicate(r));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (call) => {
          clearTimeout(timer);
          resolve(call);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`waitForCall: no matching call within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

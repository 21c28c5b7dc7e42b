/**
 * Pacing from the exact call history: one {@link RateBucket} keeps the recent
 * calls of one budget (a chat's messages, its drafts, or the whole bot) and
 * says when the next call may go.
 */
import type { RateBudget, RateLimits, RateWindow } from "../limits.js";

/**
 * Telegram counts a call when it arrives, and arrival times jitter with the
 * network: pacing exactly at a window's rate would sometimes land the
 * (limit+1)-th call inside the window. Stay this fraction under every rate.
 */
export const JITTER_MARGIN = 0.03;
/** And this many milliseconds on top: what a busy event loop or network adds, whatever the time scale. */
export const JITTER_MS = 10;

/**
 * One call in a bucket's history. Telegram counts a call when it arrives, some
 * time between our send and its reply: until the reply, the call may still
 * arrive "now"; after it, it arrived at the latest when the reply came. Windows
 * are checked against that latest possible arrival, so no network delay can
 * make calls bunch up past a limit.
 */
export interface CallRecord {
  /** When the call was granted (sent); even pacing counts from here. */
  sentAt: number;
  /** The latest time the call can have arrived; `undefined` while it is in flight. */
  arrivedBy: number | undefined;
}

/** How long a call stays in `window`, with the jitter margins on top. */
export function spanOf(window: RateWindow): number {
  return window.windowMs * (1 + JITTER_MARGIN) + JITTER_MS;
}

/** How long a call stays in the longest window of `budget`. */
export function longestSpanOf(budget: RateBudget): number {
  return Math.max(...budget.windows.map(spanOf));
}

/**
 * The recent calls of one rate budget, checked against the exact history:
 * sliding windows that are never broken, a burst while few calls were made,
 * and after it the fastest even pace that never has to stop and wait for a
 * window.
 *
 * The bucket holds only history; the budget it is checked against is passed
 * in, so one history can be read against the normal limits or against the
 * stricter ones used while other processes cannot be asked (see `shareLimits`).
 * It holds at most the calls of its longest window plus those in flight.
 */
export class RateBucket {
  private history: CallRecord[] = [];
  /** No burst before this time: after a 429 the chat is paced from its first call. */
  private burstFrom = Number.NEGATIVE_INFINITY;

  /**
   * The earliest time a call may go out, at or after `now`. Every call keeps
   * to the windows; a `paced` call (a preview, or any call in the bot-wide
   * budget) also keeps to the even pace once the burst is spent. A final is
   * not paced, so it never waits longer than the next preview would have:
   * at the even pace a window has room again by then.
   */
  availableAt(budget: RateBudget, now: number, slowdown: number, paced: boolean): number {
    // Latest possible arrival of each recent call, newest first; in-flight calls count as arriving now or later.
    const arrivals = this.history
      .map((c) => c.arrivedBy ?? Number.POSITIVE_INFINITY)
      .sort((a, b) => b - a);
    let at = now;
    for (const w of budget.windows) {
      // The call that must leave the window before another fits.
      const blocker = arrivals[w.limit - 1];
      if (blocker !== undefined) at = Math.max(at, blocker + spanOf(w));
    }
    // The history is kept in the order calls were granted: the last one went out last.
    const newest = this.history[this.history.length - 1];
    if (!paced || !newest) return at;
    const recent = arrivals.filter((a) => a > now - longestSpanOf(budget)).length;
    if (recent < budget.burst && now >= this.burstFrom) return at;
    const newestSentAt = newest.sentAt;
    // For pacing, a call in flight is taken to arrive now; the window check above stays strict.
    const expected = arrivals.map((a) => Math.min(a, now));
    return Math.max(at, newestSentAt + evenSpacing(budget, expected, newestSentAt) * slowdown);
  }

  /** Record a call granted at `now`; settle the returned record when its reply arrives. */
  take(budget: RateBudget, now: number): CallRecord {
    const record: CallRecord = { sentAt: now, arrivedBy: undefined };
    const horizon = now - longestSpanOf(budget);
    this.history = this.history.filter((c) => c.arrivedBy === undefined || c.arrivedBy > horizon);
    this.history.push(record);
    return record;
  }

  /** Forget a call that was never made (the shared budget refused it). */
  cancel(record: CallRecord): void {
    this.history = this.history.filter((c) => c !== record);
  }

  /** Forget the burst allowance: after a 429 every call is evenly paced until the longest window has passed. */
  drain(budget: RateBudget, now: number): void {
    this.burstFrom = now + longestSpanOf(budget);
  }

  /** Whether every call has arrived and left the longest window of `budget`. */
  idleSince(budget: RateBudget, now: number): boolean {
    const horizon = now - longestSpanOf(budget);
    return this.history.every((c) => c.arrivedBy !== undefined && c.arrivedBy <= horizon);
  }

  /** How many calls the bucket remembers (for tests of bounded state). */
  get size(): number {
    return this.history.length;
  }
}

/**
 * The shortest even spacing of calls from the newest one on that never has
 * to wait for a window, given the calls already made (`arrivals`, newest
 * first): the k-th next call needs the (limit - k + 1)-th newest past call
 * out of every window. While a burst is still in a window this is slower
 * than the window's own rate, so the burst is paid back without stalling
 * (what froze drafts for 25 s in the field); once it has left, the pace is
 * the window's rate, `limit` calls per window.
 */
function evenSpacing(
  budget: RateBudget,
  arrivals: readonly number[],
  newestSentAt: number,
): number {
  let spacing = 0;
  for (const w of budget.windows) {
    const span = spanOf(w);
    spacing = Math.max(spacing, span / w.limit);
    for (let k = 1; k <= w.limit; k++) {
      const leaving = arrivals[w.limit - k];
      if (leaving !== undefined) spacing = Math.max(spacing, (leaving + span - newestSentAt) / k);
    }
  }
  return spacing;
}

function scaleBudget(budget: RateBudget, scale: number): RateBudget {
  return {
    burst: budget.burst,
    windows: budget.windows.map((w) => ({ limit: w.limit, windowMs: w.windowMs * scale })),
  };
}

/** Every window of `limits` multiplied by `scale` (the `timeScale` of tests against a scaled emulator). */
export function scaleLimits(limits: RateLimits, scale: number): RateLimits {
  return {
    privateChat: scaleBudget(limits.privateChat, scale),
    groupChat: scaleBudget(limits.groupChat, scale),
    draft: scaleBudget(limits.draft, scale),
    global: scaleBudget(limits.global, scale),
  };
}

function shareBudget(budget: RateBudget, processes: number): RateBudget {
  const windows = budget.windows.map((w) =>
    w.limit >= processes
      ? { limit: Math.floor(w.limit / processes), windowMs: w.windowMs }
      : { limit: 1, windowMs: (w.windowMs * processes) / w.limit },
  );
  return { windows, burst: 1 };
}

/**
 * One process's share of `limits` when `processes` processes use the bot and
 * cannot agree through Redis: each window's limit divided among them (a window
 * of one call is stretched instead), and no burst. Together they stay near the
 * limits rather than at N times them.
 */
export function shareLimits(limits: RateLimits, processes: number): RateLimits {
  if (processes <= 1) return limits;
  return {
    privateChat: shareBudget(limits.privateChat, processes),
    groupChat: shareBudget(limits.groupChat, processes),
    draft: shareBudget(limits.draft, processes),
    global: shareBudget(limits.global, processes),
  };
}

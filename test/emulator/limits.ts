/**
 * Rate limits of the emulator: the defaults, option validation and the
 * sliding-window limiter with Telegram-style flood penalties.
 *
 * The limiter is a pure object driven by the `now` it is given, so its
 * behaviour can be tested without waiting.
 */

import type { EmulatorLimits, EmulatorOptions, RateWindow } from "./types.js";

/** The limits the emulator enforces unless told otherwise (see {@link EmulatorLimits}). */
export const DEFAULT_EMULATOR_LIMITS: Readonly<EmulatorLimits> = Object.freeze({
  privateChat: [
    { limit: 3, windowMs: 2000 },
    { limit: 22, windowMs: 20_000 },
  ],
  groupChat: [
    { limit: 3, windowMs: 2000 },
    { limit: 20, windowMs: 60_000 },
  ],
  global: [{ limit: 30, windowMs: 1000 }],
  draft: [
    { limit: 20, windowMs: 5000 },
    { limit: 40, windowMs: 30_000 },
  ],
  draftTtlMs: 30_000,
  maxTextLength: 4096,
});

/** Emulator options with every default filled in and checked. */
export interface ResolvedEmulatorOptions {
  limits: EmulatorLimits;
  timeScale: number;
  unlimited: boolean;
}

const WINDOW_LISTS = ["privateChat", "groupChat", "global", "draft"] as const;

/** Names of the rate buckets; the first four are window lists of {@link EmulatorLimits}. */
export type BucketKind = (typeof WINDOW_LISTS)[number];

function checkWindows(name: string, windows: unknown): RateWindow[] {
  if (!Array.isArray(windows)) {
    throw new TypeError(`limits.${name} must be an array of { limit, windowMs }`);
  }
  return windows.map((w: unknown, i) => {
    const window = w as Partial<RateWindow> | null;
    if (typeof window !== "object" || window === null) {
      throw new TypeError(`limits.${name}[${i}] must be an object { limit, windowMs }`);
    }
    if (!Number.isInteger(window.limit) || (window.limit as number) < 1) {
      throw new RangeError(
        `limits.${name}[${i}].limit must be a whole number >= 1, got ${window.limit}`,
      );
    }
    if (
      typeof window.windowMs !== "number" ||
      !Number.isFinite(window.windowMs) ||
      window.windowMs <= 0
    ) {
      throw new RangeError(
        `limits.${name}[${i}].windowMs must be a positive number, got ${window.windowMs}`,
      );
    }
    return { limit: window.limit as number, windowMs: window.windowMs };
  });
}

/**
 * Merge options over the defaults and validate them.
 * @throws TypeError or RangeError naming the offending option.
 */
export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("emulator options must be an object");
  }
  const timeScale = options.timeScale ?? 1;
  if (typeof timeScale !== "number" || !Number.isFinite(timeScale) || timeScale <= 0) {
    throw new RangeError(`timeScale must be a positive finite number, got ${timeScale}`);
  }
  const overrides = options.limits ?? {};
  if (typeof overrides !== "object" || overrides === null) {
    throw new TypeError("limits must be an object");
  }
  const merged = { ...DEFAULT_EMULATOR_LIMITS, ...overrides };
  const limits: EmulatorLimits = {
    privateChat: checkWindows("privateChat", merged.privateChat),
    groupChat: checkWindows("groupChat", merged.groupChat),
    global: checkWindows("global", merged.global),
    draft: checkWindows("draft", merged.draft),
    draftTtlMs: merged.draftTtlMs,
    maxTextLength: merged.maxTextLength,
  };
  if (!Number.isFinite(limits.draftTtlMs) || limits.draftTtlMs <= 0) {
    throw new RangeError(`limits.draftTtlMs must be a positive number, got ${limits.draftTtlMs}`);
  }
  if (!Number.isInteger(limits.maxTextLength) || limits.maxTextLength < 1) {
    throw new RangeError(
      `limits.maxTextLength must be a whole number >= 1, got ${limits.maxTextLength}`,
    );
  }
  return { limits, timeScale, unlimited: options.unlimited === true };
}

/** The verdict on one call: admitted, or refused with the `retry_after` to report. */
export type Admission = { admitted: true } | { admitted: false; retryAfter: number };

/**
 * One rate bucket (say, "private chat 42 of bot 7"): the times of the calls it
 * admitted and the penalty it is serving, if any.
 */
class Bucket {
  /** Admission times, ascending; pruned to the longest window. */
  private readonly admitted: number[] = [];
  private penalty: { start: number; end: number } | undefined;
  private readonly longestWindowMs: number;

  constructor(private readonly windows: readonly RateWindow[]) {
    this.longestWindowMs = Math.max(0, ...windows.map((w) => w.windowMs));
  }

  /** Milliseconds of penalty left at `now`; 0 when none runs. */
  penaltyLeft(now: number): number {
    return this.penalty && now < this.penalty.end ? this.penalty.end - now : 0;
  }

  /**
   * A call arrived during the penalty: push its end back by the time already
   * served, so a client that keeps hammering sees the penalty grow instead of
   * running out.
   */
  extendPenalty(now: number): void {
    if (this.penalty) this.penalty.end += now - this.penalty.start;
  }

  startPenalty(now: number, durationMs: number): void {
    this.penalty = { start: now, end: now + durationMs };
  }

  /** Milliseconds until every window has room for one more call; 0 if it has room now. */
  waitForSlot(now: number): number {
    this.prune(now);
    let wait = 0;
    for (const { limit, windowMs } of this.windows) {
      const inWindow = this.admitted.filter((t) => t > now - windowMs);
      if (inWindow.length >= limit) {
        // The window has room again once enough of its oldest calls age out.
        const oldestThatMustLeave = inWindow[inWindow.length - limit] as number;
        wait = Math.max(wait, oldestThatMustLeave + windowMs - now);
      }
    }
    return wait;
  }

  admit(now: number): void {
    this.admitted.push(now);
  }

  private prune(now: number): void {
    while (this.admitted.length > 0 && (this.admitted[0] as number) <= now - this.longestWindowMs) {
      this.admitted.shift();
    }
  }
}

/** One bucket a call counts against. */
export interface BucketRef {
  kind: BucketKind;
  /** The chat of a per-chat bucket; omitted for `global`. */
  chatId?: number;
}

/**
 * Sliding-window rate limiter with flood penalties, per bot.
 *
 * A call counts against several buckets (say, its chat and the bot's global
 * budget) and is admitted only if all of them allow it; it then takes a slot
 * in each at the moment it was received. A refused call takes no slot.
 *
 * Penalty rule: when a bucket is full, the call is refused with
 * `retry_after` = whole seconds until a slot frees (at least 1), and the
 * bucket serves a penalty of exactly `retry_after` seconds (scaled by
 * `timeScale`), during which every call to it is refused. A call made during
 * the penalty extends it by the time already served since the penalty began:
 * one stray call right after a 429 costs almost nothing, a retry just before
 * the end nearly doubles it, and a client that keeps hammering sees it grow
 * without bound, as Telegram escalates to minutes and hours.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Milliseconds of one reported `retry_after` second. */
  private readonly secondMs: number;

  /**
   * @param limits the windows per bucket kind, in unscaled milliseconds.
   * @param timeScale multiplies every window and penalty.
   */
  constructor(
    private readonly limits: EmulatorLimits,
    private readonly timeScale: number,
  ) {
    this.secondMs = 1000 * timeScale;
  }

  /**
   * Decide on one call of bot `botKey` received at `now` that counts against
   * `refs`. Admission takes a slot in every bucket; refusal starts or
   * extends penalties as described on the class.
   */
  admit(botKey: string, refs: readonly BucketRef[], now: number): Admission {
    const buckets = refs.map((ref) => this.bucket(botKey, ref));

    const penalized = buckets.filter((b) => b.penaltyLeft(now) > 0);
    if (penalized.length > 0) {
      let retryAfter = 1;
      for (const bucket of penalized) {
        bucket.extendPenalty(now);
        retryAfter = Math.max(retryAfter, Math.ceil(bucket.penaltyLeft(now) / this.secondMs));
      }
      return { admitted: false, retryAfter };
    }

    let retryAfter = 0;
    for (const bucket of buckets) {
      const wait = bucket.waitForSlot(now);
      if (wait > 0) {
        const seconds = Math.max(1, Math.ceil(wait / this.secondMs));
        bucket.startPenalty(now, seconds * this.secondMs);
        retryAfter = Math.max(retryAfter, seconds);
      }
    }
    if (retryAfter > 0) return { admitted: false, retryAfter };

    for (const bucket of buckets) bucket.admit(now);
    return { admitted: true };
  }

  private bucket(botKey: string, ref: BucketRef): Bucket {
    const key = `${botKey}|${ref.kind}|${ref.chatId ?? ""}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const windows = this.limits[ref.kind].map((w) => ({
        limit: w.limit,
        windowMs: w.windowMs * this.timeScale,
      }));
      bucket = new Bucket(windows);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

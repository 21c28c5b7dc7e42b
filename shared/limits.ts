/**
 * Telegram's rate limits as streamgram paces against them.
 *
 * The numbers are Telegram's documented ones (see the Bot API FAQ and the
 * `sendMessageDraft` docs); Telegram does not publish exact figures and says
 * they "can be different for different chats", so streamgram stays a little
 * under them and adapts after a 429.
 */

/** At most `limit` calls in any `windowMs` milliseconds. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/**
 * A rate budget: sliding windows that are never broken, and a pace within them.
 *
 * While a chat has made fewer than `burst` calls within the longest window,
 * calls go as soon as the windows allow. After that they are spaced evenly at
 * the fastest pace that never has to stop and wait for a window, given the
 * calls already made: slower while a burst is still inside a window, then
 * `limit` calls per window once it has left. Finals keep to the windows only.
 */
export interface RateBudget {
  windows: RateWindow[];
  /**
   * How many calls within the longest window may go out as fast as the windows
   * allow. From 1 to half the longest window's limit.
   */
  burst: number;
}

/** Every budget one bot paces against. */
export interface RateLimits {
  /** `sendMessage`, `editMessageText`, `deleteMessage` per private chat: about 1 per second. */
  privateChat: RateBudget;
  /** The same per group, supergroup or channel: about 20 per minute. */
  groupChat: RateBudget;
  /** `sendMessageDraft` and `sendChatAction` per chat: 20 per 5 s and 40 per 30 s. */
  draft: RateBudget;
  /** Every call of the bot across all chats: about 30 per second. */
  global: RateBudget;
}

/** The limits streamgram uses by default. */
export const TELEGRAM_LIMITS: Readonly<RateLimits> = Object.freeze({
  // "Avoid sending more than one message per second" in a chat.
  privateChat: { windows: [{ limit: 1, windowMs: 1000 }], burst: 1 },
  // The same one per second, and 20 per minute in a group. Most replies take
  // seconds, not minutes: the first 8 updates go a second apart, so a 10 s reply
  // is shown almost as it is written. The pace after them is slower until they
  // leave the minute window (about 4 s per update), then one every 3 s.
  groupChat: {
    windows: [
      { limit: 1, windowMs: 1000 },
      { limit: 20, windowMs: 60_000 },
    ],
    burst: 8,
  },
  // 20 per 5 s and 40 per 30 s, at most 4 per second: a short reply gets quick
  // updates, a long one an even pace that never hits the 30 s window.
  draft: {
    windows: [
      { limit: 1, windowMs: 250 },
      { limit: 20, windowMs: 5000 },
      { limit: 40, windowMs: 30_000 },
    ],
    burst: 4,
  },
  // "About 30 messages per second". Every window is checked against the latest
  // possible arrival of each call (its reply), with a 3% + 10 ms margin, so however
  // late a busy process sends granted calls, no second holds more than 30 of them
  // on arrival: 30 per 1,040 ms, about 28.8 per second.
  global: { windows: [{ limit: 30, windowMs: 1000 }], burst: 3 },
});

function validateBudget(name: string, budget: RateBudget): void {
  if (typeof budget !== "object" || budget === null || !Array.isArray(budget.windows)) {
    throw new TypeError(`limits.${name} must be { windows: RateWindow[], burst: number }`);
  }
  if (budget.windows.length === 0) {
    throw new RangeError(`limits.${name}.windows must name at least one window`);
  }
  for (const w of budget.windows) {
    if (!Number.isInteger(w.limit) || w.limit < 1) {
      throw new RangeError(
        `limits.${name}: window limit must be a whole number >= 1, got ${w.limit}`,
      );
    }
    if (!Number.isFinite(w.windowMs) || w.windowMs <= 0) {
      throw new RangeError(`limits.${name}: windowMs must be a positive number, got ${w.windowMs}`);
    }
  }
  // Over half the longest window's limit, the pace that pays a burst back leaves
  // so few calls in the window that the burst comes back when it leaves.
  const longest = budget.windows.reduce((a, b) => (b.windowMs > a.windowMs ? b : a));
  const most = Math.max(1, Math.floor(longest.limit / 2));
  if (!Number.isInteger(budget.burst) || budget.burst < 1 || budget.burst > most) {
    throw new RangeError(
      `limits.${name}.burst must be a whole number from 1 to ${most} (half the longest window's limit), got ${budget.burst}`,
    );
  }
}

/**
 * Merge user overrides over {@link TELEGRAM_LIMITS} and validate the result.
 * @throws RangeError or TypeError naming the offending field.
 */
export function resolveLimits(overrides: Partial<RateLimits> = {}): RateLimits {
  const limits: RateLimits = { ...TELEGRAM_LIMITS, ...overrides };
  for (const name of ["privateChat", "groupChat", "draft", "global"] as const) {
    validateBudget(name, limits[name]);
  }
  return limits;
}

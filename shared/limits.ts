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
 * A rate budget: every window holds at once. Calls are paced to spend each
 * window's remaining room gradually (quickly while it is empty, ever more
 * slowly as it fills), so a short reply gets frequent updates and a long one
 * a steady pace that never runs into the limit.
 */
export interface RateBudget {
  windows: RateWindow[];
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
  privateChat: { windows: [{ limit: 1, windowMs: 1000 }] },
  // The same one per second, and 20 per minute in a group.
  groupChat: {
    windows: [
      { limit: 1, windowMs: 1000 },
      { limit: 20, windowMs: 60_000 },
    ],
  },
  // 20 per 5 s and 40 per 30 s, and no more than 4 per second.
  draft: {
    windows: [
      { limit: 1, windowMs: 250 },
      { limit: 20, windowMs: 5000 },
      { limit: 40, windowMs: 30_000 },
    ],
  },
  // "About 30 messages per second"; a little under it, for calls that arrive bunched.
  global: { windows: [{ limit: 28, windowMs: 1000 }] },
});

function validateBudget(name: string, budget: RateBudget): void {
  if (typeof budget !== "object" || budget === null || !Array.isArray(budget.windows)) {
    throw new TypeError(`limits.${name} must be { windows: RateWindow[] }`);
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

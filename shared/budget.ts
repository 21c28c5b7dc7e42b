import type { RateBudget, RateLimits, RateWindow } from "./limits.js";

/** Which of a chat's budgets a call draws on. */
export type BudgetKind = "message" | "draft";

/** Who waits first when several calls want the same chat: finals go before previews. */
export type BudgetPriority = "final" | "preview";

/** The clock the budget reads; tests pass fake timers through `Date.now`/`setTimeout`. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Penalties are honoured with this much to spare, so clock skew never lands a call early. */
const PENALTY_MARGIN_MS = 50;
/**
 * Telegram counts a call when it arrives, and arrival times jitter with the
 * network: pacing exactly at a window's rate would sometimes land the
 * (limit+1)-th call inside the window. Stay this fraction under every rate.
 */
const JITTER_MARGIN = 0.03;
/** And this many milliseconds on top: what a busy event loop or network adds, whatever the time scale. */
const JITTER_MS = 10;
/** How much slower a chat is paced after each 429, and the most it is ever slowed. */
const BACKOFF_FACTOR = 1.5;
const MAX_SLOWDOWN = 8;
/** Each successful call brings a slowed chat this much closer to its normal pace. */
const RECOVERY_FACTOR = 0.97;

/**
 * One call in a bucket's history. Telegram counts a call when it arrives, some
 * time between our send and its reply: until the reply, the call may still
 * arrive "now"; after it, it arrived at the latest when the reply came. Windows
 * are checked against that latest possible arrival, so no network delay can
 * make calls bunch up past a limit.
 */
export interface CallRecord {
  /** When the call was granted (sent); even pacing counts from here. */
  readonly sentAt: number;
  /** The latest time the call can have arrived; `undefined` while it is in flight. */
  arrivedBy: number | undefined;
}

/** How long a call stays in `window`, with the jitter margins on top. */
function spanOf(window: RateWindow): number {
  return window.windowMs * (1 + JITTER_MARGIN) + JITTER_MS;
}

/**
 * One rate budget, checked against the exact call history: sliding windows
 * that are never broken, a burst while the chat has made few calls, and after
 * it the fastest even pace that never has to stop and wait for a window.
 */
class RateBucket {
  private history: CallRecord[] = [];
  /** No burst before this time: after a 429 the chat is paced from its first call. */
  private burstFrom = Number.NEGATIVE_INFINITY;
  private readonly longestSpan: number;

  constructor(private readonly budget: RateBudget) {
    this.longestSpan = Math.max(...budget.windows.map(spanOf));
  }

  /**
   * The earliest time a call may go out, at or after `now`. Every call keeps
   * to the windows; a `paced` call (a preview, or any call in the bot-wide
   * budget) also keeps to the even pace once the burst is spent. A final is
   * not paced, so it never waits longer than the next preview would have:
   * at the even pace a window has room again by then.
   */
  availableAt(now: number, slowdown: number, paced: boolean): number {
    // Latest possible arrival of each recent call, newest first; in-flight calls count as arriving now or later.
    const arrivals = this.history
      .map((c) => c.arrivedBy ?? Number.POSITIVE_INFINITY)
      .sort((a, b) => b - a);
    let at = now;
    for (const w of this.budget.windows) {
      // The call that must leave the window before another fits.
      const blocker = arrivals[w.limit - 1];
      if (blocker !== undefined) at = Math.max(at, blocker + spanOf(w));
    }
    // The history is kept in the order calls were granted: the last one went out last.
    const newest = this.history[this.history.length - 1];
    if (!paced || !newest) return at;
    const recent = arrivals.filter((a) => a > now - this.longestSpan).length;
    if (recent < this.budget.burst && now >= this.burstFrom) return at;
    const newestSentAt = newest.sentAt;
    // For pacing, a call in flight is taken to arrive now; the window check above stays strict.
    const expected = arrivals.map((a) => Math.min(a, now));
    return Math.max(at, newestSentAt + this.evenSpacing(expected, newestSentAt) * slowdown);
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
  private evenSpacing(arrivals: readonly number[], newestSentAt: number): number {
    let spacing = 0;
    for (const w of this.budget.windows) {
      const span = spanOf(w);
      spacing = Math.max(spacing, span / w.limit);
      for (let k = 1; k <= w.limit; k++) {
        const leaving = arrivals[w.limit - k];
        if (leaving !== undefined) spacing = Math.max(spacing, (leaving + span - newestSentAt) / k);
      }
    }
    return spacing;
  }

  /** Record a call granted at `now`; settle the returned record when its reply arrives. */
  take(now: number): CallRecord {
    const record: CallRecord = { sentAt: now, arrivedBy: undefined };
    const horizon = now - this.longestSpan;
    this.history = this.history.filter((c) => c.arrivedBy === undefined || c.arrivedBy > horizon);
    this.history.push(record);
    return record;
  }

  /** Forget the burst allowance: after a 429 every call is evenly paced until the longest window has passed. */
  drain(now: number): void {
    this.burstFrom = now + this.longestSpan;
  }

  idleSince(now: number): boolean {
    return this.history.every(
      (c) => c.arrivedBy !== undefined && c.arrivedBy <= now - this.longestSpan,
    );
  }
}

/**
 * Everything one chat may still do: its send/edit budget, its draft/chat-action
 * budget, any penalty Telegram announced, and how much it is slowed after 429s.
 */
export class ChatBudget {
  readonly message: RateBucket;
  readonly draft: RateBucket;
  /** No call to this chat before this time (a 429's `retry_after`). */
  penaltyUntil = 0;
  /** 1 normally; grows after each 429 so the penalty does not recur. */
  slowdown = 1;

  constructor(
    /** The chat id, as a string. */
    readonly key: string,
    limits: RateLimits,
    isPrivate: boolean,
  ) {
    this.message = new RateBucket(isPrivate ? limits.privateChat : limits.groupChat);
    this.draft = new RateBucket(limits.draft);
  }

  bucket(kind: BudgetKind): RateBucket {
    return kind === "message" ? this.message : this.draft;
  }

  /** The earliest time a call of `kind` may go out; finals keep to the windows but not to the pace. */
  availableAt(kind: BudgetKind, priority: BudgetPriority, now: number): number {
    return Math.max(
      this.penaltyUntil,
      this.bucket(kind).availableAt(now, this.slowdown, priority === "preview"),
    );
  }
}

/** A granted call. */
export interface BudgetSlot {
  /** The call's reply or failure arrived (idempotent). */
  settle(): void;
}

interface Waiter {
  chat: ChatBudget;
  kind: BudgetKind;
  priority: BudgetPriority;
  seq: number;
  resolve: (slot: BudgetSlot) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Options of {@link BotBudget}. */
export interface BotBudgetOptions {
  limits: RateLimits;
  /** Multiplies every window and every `retry_after`; tests use e.g. 0.02. Default 1. */
  timeScale?: number;
  clock?: Clock;
}

/**
 * The single rate budget of one bot: every stream and every streamgram call of
 * the process draws on it, so several streams to one chat can never add up past
 * the chat's limit, and all chats together stay under the bot's global limit.
 *
 * Callers `acquire` a slot right before a call and build the call's payload
 * after the slot is granted, so whatever text arrived while they waited goes
 * out in that one call (latest wins; no stale queue).
 */
export class BotBudget {
  private readonly limits: RateLimits;
  private readonly timeScale: number;
  private readonly clock: Clock;
  private readonly chats = new Map<string, ChatBudget>();
  private readonly global: RateBucket;
  /** No call to any chat before this time: Telegram penalised the whole bot. */
  private globalPenaltyUntil = 0;
  /** 1 normally; grows after a bot-wide 429 so it does not recur. */
  private globalSlowdown = 1;
  private waiters: Waiter[] = [];
  private seq = 0;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;

  /** A stream that got `chat` from {@link chat} is over. */
  release(_chat: ChatBudget): void {}

  constructor(options: BotBudgetOptions) {
    const scale = options.timeScale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw new RangeError(`timeScale must be a positive number, got ${options.timeScale}`);
    }
    this.timeScale = scale;
    this.clock = options.clock ?? systemClock;
    this.limits = scaleLimits(options.limits, scale);
    this.global = new RateBucket(this.limits.global);
  }

  /** The budget of one chat (and topic-less: topics share their chat's budget). */
  chat(chatId: number | string, isPrivate: boolean): ChatBudget {
    const key = String(chatId);
    let chat = this.chats.get(key);
    if (!chat) {
      chat = new ChatBudget(key, this.limits, isPrivate);
      this.chats.set(key, chat);
    }
    return chat;
  }

  /**
   * Wait for a slot of `kind` in `chat` and the bot's global budget, then take it.
   * Finals are granted before previews that wait for the same chat.
   * Rejects with the signal's reason if `signal` aborts first.
   *
   * Call the returned slot's `settle()` when the call's reply (or failure)
   * arrives: until then the call counts as arriving at any moment.
   */
  acquire(
    chat: ChatBudget,
    kind: BudgetKind,
    priority: BudgetPriority,
    signal?: AbortSignal,
  ): Promise<BudgetSlot> {
    return new Promise<BudgetSlot>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const waiter: Waiter = {
        chat,
        kind,
        priority,
        seq: this.seq++,
        resolve,
        reject,
      };
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.waiters.sort((a, b) => rank(a.priority) - rank(b.priority) || a.seq - b.seq);
      this.grant();
    });
  }

  /**
   * Record a 429 for `chat`: no call to it before `retryAfterMs` (scaled) has
   * passed, and pace it slower from now on so the penalty does not recur.
   */
  penalize(chat: ChatBudget, retryAfterMs: number): void {
    const now = this.clock.now();
    const until = now + retryAfterMs * this.timeScale + PENALTY_MARGIN_MS;
    // A 429 does not say whether the chat or the whole bot is penalised. Two chats
    // penalised at once means the bot is: then no chat may call before it ends,
    // because every call made during a penalty lengthens it.
    for (const other of this.chats.values()) {
      if (other !== chat && other.penaltyUntil > now) {
        this.globalPenaltyUntil = Math.max(this.globalPenaltyUntil, until, other.penaltyUntil);
        this.globalSlowdown = Math.min(MAX_SLOWDOWN, this.globalSlowdown * BACKOFF_FACTOR);
        this.global.drain(now);
        break;
      }
    }
    chat.penaltyUntil = Math.max(chat.penaltyUntil, until);
    chat.slowdown = Math.min(MAX_SLOWDOWN, chat.slowdown * BACKOFF_FACTOR);
    chat.message.drain(now);
    chat.draft.drain(now);
    this.grant();
  }

  /** A call to `chat` succeeded: let a slowed chat recover its pace gradually. */
  succeeded(chat: ChatBudget): void {
    chat.slowdown = Math.max(1, chat.slowdown * RECOVERY_FACTOR);
    this.globalSlowdown = Math.max(1, this.globalSlowdown * RECOVERY_FACTOR);
  }

  /** Milliseconds until `chat` may be called again because of a penalty (0 if none). */
  penaltyRemaining(chat: ChatBudget): number {
    return Math.max(0, Math.max(chat.penaltyUntil, this.globalPenaltyUntil) - this.clock.now());
  }

  /** Scale a real duration the same way the limits are scaled (for keep-alives and timeouts). */
  scaled(ms: number): number {
    return ms * this.timeScale;
  }

  /** How many callers are waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  private grant(): void {
    const now = this.clock.now();
    let nextAt = Number.POSITIVE_INFINITY;
    const remaining: Waiter[] = [];
    // A chat/kind whose first waiter could not go blocks the later ones of that
    // chat/kind, so a preview never overtakes a final of the same chat.
    const blocked = new Set<string>();
    // The bot-wide budget is the same for every waiter: while it says "not yet",
    // nobody goes, and a thousand waiting streams cost one check.
    let globalAt = Math.max(
      this.global.availableAt(now, this.globalSlowdown, true),
      this.globalPenaltyUntil,
    );
    for (const waiter of this.waiters) {
      const key = `${waiter.chat.key}:${waiter.kind}`;
      if (globalAt > now || blocked.has(key)) {
        blocked.add(key);
        remaining.push(waiter);
        nextAt = Math.min(nextAt, Math.max(globalAt, now + 1));
        continue;
      }
      const at = waiter.chat.availableAt(waiter.kind, waiter.priority, now);
      if (at > now) {
        blocked.add(key);
        remaining.push(waiter);
        nextAt = Math.min(nextAt, at);
        continue;
      }
      const records = [waiter.chat.bucket(waiter.kind).take(now), this.global.take(now)];
      globalAt = Math.max(
        this.global.availableAt(now, this.globalSlowdown, true),
        this.globalPenaltyUntil,
      );
      if (waiter.signal && waiter.onAbort)
        waiter.signal.removeEventListener("abort", waiter.onAbort);
      waiter.resolve({
        settle: () => {
          if (records[0]?.arrivedBy !== undefined) return;
          const at = this.clock.now();
          for (const record of records) record.arrivedBy = at;
          this.grant();
        },
      });
    }
    this.waiters = remaining;
    this.schedule(nextAt);
    if (this.chats.size > 256 && this.seq % 256 === 0) this.sweep(now);
  }

  private schedule(at: number): void {
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Number.POSITIVE_INFINITY) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.grant();
      },
      // Whole milliseconds, rounded up: a timer that fires early would only find the call not yet due.
      Math.max(0, Math.ceil(at - this.clock.now())),
    );
  }

  /** Forget chats with no recent calls, no penalty and nobody waiting. */
  private sweep(now: number): void {
    const busy = new Set(this.waiters.map((w) => w.chat));
    for (const [key, chat] of this.chats) {
      if (
        !busy.has(chat) &&
        chat.penaltyUntil < now &&
        chat.slowdown === 1 &&
        chat.message.idleSince(now) &&
        chat.draft.idleSince(now)
      ) {
        this.chats.delete(key);
      }
    }
  }
}

/** Finals wait first. */
function rank(priority: BudgetPriority): number {
  return priority === "final" ? 0 : 1;
}

function scaleBudget(budget: RateBudget, scale: number): RateBudget {
  return {
    burst: budget.burst,
    windows: budget.windows.map((w) => ({ limit: w.limit, windowMs: w.windowMs * scale })),
  };
}

function scaleLimits(limits: RateLimits, scale: number): RateLimits {
  return {
    privateChat: scaleBudget(limits.privateChat, scale),
    groupChat: scaleBudget(limits.groupChat, scale),
    draft: scaleBudget(limits.draft, scale),
    global: scaleBudget(limits.global, scale),
  };
}

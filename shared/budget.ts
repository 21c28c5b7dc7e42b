import type { RateBudget, RateLimits } from "./limits.js";

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
  /** The latest time the call can have arrived; `undefined` while it is in flight. */
  arrivedBy: number | undefined;
}

/**
 * One rate budget (sliding windows plus even spacing with a burst allowance)
 * as a token bucket checked against the exact call history.
 */
class RateBucket {
  private history: CallRecord[] = [];
  private tokens: number;
  private refilledAt: number;
  private readonly longestWindowMs: number;

  constructor(
    private readonly budget: RateBudget,
    now: number,
  ) {
    this.tokens = budget.burst;
    this.refilledAt = now;
    this.longestWindowMs = Math.max(...budget.windows.map((w) => w.windowMs));
  }

  /**
   * Even spacing between calls, slow enough that a full burst plus calls at
   * this pace never overflow a window: `burst - 1 + windowMs / spacing <= limit`.
   * That keeps the pace steady instead of racing ahead and then stalling until
   * the window slides (what froze drafts for 25 s in the field). Windows no
   * larger than the burst (such as "1 per second") are minimum gaps, enforced
   * by the history check alone.
   */
  private spacingMs(slowdown: number): number {
    const { burst, windows } = this.budget;
    const spacing = Math.max(
      ...windows.map((w) =>
        w.limit > burst ? w.windowMs / (w.limit - burst + 1) : w.windowMs / w.limit,
      ),
    );
    return spacing * slowdown * (1 + JITTER_MARGIN);
  }

  private refill(now: number, slowdown: number): void {
    const spacing = this.spacingMs(slowdown);
    this.tokens = Math.min(this.budget.burst, this.tokens + (now - this.refilledAt) / spacing);
    this.refilledAt = now;
  }

  /** The earliest time a call may go out, at or after `now`. */
  availableAt(now: number, slowdown: number): number {
    this.refill(now, slowdown);
    let at = now;
    if (this.tokens < 1) at = now + (1 - this.tokens) * this.spacingMs(slowdown);
    // Latest possible arrival of each recent call, newest first; in-flight calls count as arriving now or later.
    const arrivals = this.history
      .map((c) => c.arrivedBy ?? Number.POSITIVE_INFINITY)
      .sort((a, b) => b - a);
    for (const w of this.budget.windows) {
      // The call that must leave the window before another fits.
      const blocker = arrivals[w.limit - 1];
      if (blocker !== undefined) {
        at = Math.max(at, blocker + w.windowMs * (1 + JITTER_MARGIN) + JITTER_MS);
      }
    }
    return at;
  }

  /** Record a call granted at `now`; settle the returned record when its reply arrives. */
  take(now: number, slowdown: number): CallRecord {
    this.refill(now, slowdown);
    this.tokens = Math.max(0, this.tokens - 1);
    const record: CallRecord = { arrivedBy: undefined };
    const horizon = now - this.longestWindowMs * (1 + JITTER_MARGIN) - JITTER_MS;
    this.history = this.history.filter((c) => c.arrivedBy === undefined || c.arrivedBy > horizon);
    this.history.push(record);
    return record;
  }

  /** Forget the burst allowance: after a 429 the next call waits a full spacing. */
  drain(now: number): void {
    this.tokens = 0;
    this.refilledAt = now;
  }

  idleSince(now: number): boolean {
    return this.history.every(
      (c) => c.arrivedBy !== undefined && c.arrivedBy <= now - this.longestWindowMs,
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
    now: number,
  ) {
    this.message = new RateBucket(isPrivate ? limits.privateChat : limits.groupChat, now);
    this.draft = new RateBucket(limits.draft, now);
  }

  bucket(kind: BudgetKind): RateBucket {
    return kind === "message" ? this.message : this.draft;
  }

  availableAt(kind: BudgetKind, now: number): number {
    return Math.max(this.penaltyUntil, this.bucket(kind).availableAt(now, this.slowdown));
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
  priority: number;
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

  constructor(options: BotBudgetOptions) {
    const scale = options.timeScale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw new RangeError(`timeScale must be a positive number, got ${options.timeScale}`);
    }
    this.timeScale = scale;
    this.clock = options.clock ?? systemClock;
    this.limits = scaleLimits(options.limits, scale);
    this.global = new RateBucket(this.limits.global, this.clock.now());
  }

  /** The budget of one chat (and topic-less: topics share their chat's budget). */
  chat(chatId: number | string, isPrivate: boolean): ChatBudget {
    const key = String(chatId);
    let chat = this.chats.get(key);
    if (!chat) {
      chat = new ChatBudget(key, this.limits, isPrivate, this.clock.now());
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
        priority: priority === "final" ? 0 : 1,
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
      this.waiters.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
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
      this.global.availableAt(now, this.globalSlowdown),
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
      const at = waiter.chat.availableAt(waiter.kind, now);
      if (at > now) {
        blocked.add(key);
        remaining.push(waiter);
        nextAt = Math.min(nextAt, at);
        continue;
      }
      const records = [
        waiter.chat.bucket(waiter.kind).take(now, waiter.chat.slowdown),
        this.global.take(now, this.globalSlowdown),
      ];
      globalAt = Math.max(
        this.global.availableAt(now, this.globalSlowdown),
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
      Math.max(0, at - this.clock.now()),
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

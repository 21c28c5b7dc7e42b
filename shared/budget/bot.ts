/**
 * The local rate budget of one bot: the queue of calls waiting for a slot, the
 * chats' budgets and the bot-wide one.
 */
import type { RateLimits } from "../limits.js";
import {
  BACKOFF_FACTOR,
  type BudgetKind,
  type BudgetPriority,
  type ChatBudget,
  MAX_SLOWDOWN,
  RECOVERY_FACTOR,
} from "./chat.js";
import { ChatRegistry } from "./chats.js";
import { type Clock, systemClock } from "./clock.js";
import { type CallRecord, RateBucket, scaleLimits, shareLimits } from "./history.js";
import type { SharedBudget, SharedTicket } from "./shared.js";

/** Penalties are honoured with this much to spare, so clock skew never lands a call early. */
const PENALTY_MARGIN_MS = 50;

/** A granted call. */
export interface BudgetSlot {
  /** The call's reply or failure arrived (idempotent). */
  settle(): void;
}

interface Waiter {
  /** Queued; asking the shared budget; or done (granted, or aborted). */
  state: "queued" | "asking" | "done";
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
  /**
   * A budget shared with the bot's other processes (Redis): every call the
   * local budget would grant is also reserved there. While it cannot be
   * reached, the local budget paces alone at its share of the limits.
   */
  shared?: SharedBudget;
}

/**
 * The single rate budget of one bot: every stream and every streamgram call of
 * the process draws on it, so several streams to one chat can never add up past
 * the chat's limit, and all chats together stay under the bot's global limit.
 *
 * Callers `acquire` a slot right before a call and build the call's payload
 * after the slot is granted, so whatever text arrived while they waited goes
 * out in that one call (latest wins; no stale queue).
 *
 * A chat's budget lives as long as anyone uses it: every `chat()` is paired
 * with a `release()`, and only a chat with no user, nobody waiting, no call in
 * any window and no recent penalty is forgotten. So two streams to one chat,
 * however far apart and however long one stalls, always share one budget; and
 * a bot that has talked to 100,000 chats keeps only the recent ones.
 */
export class BotBudget {
  private readonly limits: RateLimits;
  private readonly timeScale: number;
  private readonly clock: Clock;
  private readonly chats: ChatRegistry;
  /** Chats whose penalty has not ended yet: the bot-wide rule looks at these. */
  private readonly penalized = new Set<ChatBudget>();
  private readonly global = new RateBucket();
  /** No call to any chat before this time: Telegram penalised the whole bot. */
  private globalPenaltyUntil = 0;
  /** 1 normally; grows after a bot-wide 429 so it does not recur. */
  private globalSlowdown = 1;
  private waiters: Waiter[] = [];
  private seq = 0;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly shared: SharedBudget | undefined;
  /** The limits of one process among `processes`, while the shared budget is away (cached). */
  private alone: { processes: number; limits: RateLimits } | undefined;

  constructor(options: BotBudgetOptions) {
    const scale = options.timeScale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw new RangeError(`timeScale must be a positive number, got ${options.timeScale}`);
    }
    this.timeScale = scale;
    this.clock = options.clock ?? systemClock;
    this.limits = scaleLimits(options.limits, scale);
    this.chats = new ChatRegistry(this.limits, scale);
    this.shared = options.shared;
  }

  /**
   * The limits this process paces against now: the whole of them alone or
   * with the shared budget, its share while the shared budget is away or
   * recovering (as if every process seen in the last minute, and at least
   * two, used the bot as much as this one).
   */
  private limitsNow(): RateLimits {
    if (!this.shared || (this.shared.reachable && !this.shared.recovering)) return this.limits;
    const processes = Math.max(2, this.shared.processes);
    if (this.alone?.processes !== processes)
      this.alone = { processes, limits: shareLimits(this.limits, processes) };
    return this.alone.limits;
  }

  /**
   * The budget of one chat (topics share their chat's budget), for one user:
   * call {@link release} once when done with it. Every caller that asks for
   * the same chat while another still holds it gets the same object.
   */
  chat(chatId: number | string, isPrivate: boolean): ChatBudget {
    return this.chats.take(String(chatId), isPrivate);
  }

  /**
   * Done with a chat's budget (once per {@link chat} call). The chat is
   * forgotten later, once no one uses it and its calls have left every window.
   */
  release(chat: ChatBudget): void {
    this.chats.release(chat, this.clock.now());
  }

  /** How many chats the budget remembers (for tests and monitoring of bounded state). */
  get chatCount(): number {
    return this.chats.size;
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
      this.chats.adopt(chat);
      const waiter: Waiter = {
        state: "queued",
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
          if (waiter.state === "queued") this.waiters = this.waiters.filter((w) => w !== waiter);
          waiter.state = "done";
          chat.waiting--;
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      chat.waiting++;
      this.enqueue(waiter);
      this.grant();
      this.chats.touched(this.clock.now());
    });
  }

  /**
   * Record a 429 for `chat`: no call to it before `retryAfterMs` (scaled) has
   * passed, and pace it slower from now on so the penalty does not recur.
   */
  penalize(chat: ChatBudget, retryAfterMs: number): void {
    const now = this.clock.now();
    const until = now + retryAfterMs * this.timeScale + PENALTY_MARGIN_MS;
    this.chats.adopt(chat);
    // A 429 does not say whether the chat or the whole bot is penalised. Two chats
    // penalised at once means the bot is: then no chat may call before it ends,
    // because every call made during a penalty lengthens it.
    for (const other of this.penalized) {
      if (other.penaltyUntil <= now) this.penalized.delete(other);
      else if (other !== chat) {
        this.globalPenaltyUntil = Math.max(this.globalPenaltyUntil, until, other.penaltyUntil);
        this.globalSlowdown = Math.min(MAX_SLOWDOWN, this.globalSlowdown * BACKOFF_FACTOR);
        this.global.drain(this.limits.global, now);
      }
    }
    chat.penaltyUntil = Math.max(chat.penaltyUntil, until);
    this.penalized.add(chat);
    chat.slowdown = Math.min(MAX_SLOWDOWN, chat.slowdown * BACKOFF_FACTOR);
    chat.message.drain(chat.budgetOf("message", this.limits), now);
    chat.draft.drain(this.limits.draft, now);
    this.shared?.penalize(
      chat.key,
      until - now,
      chat.budgetOf("message", this.limits),
      this.limits.global,
    );
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

  /** Insert in order: finals first, then by arrival. */
  private enqueue(waiter: Waiter): void {
    let i = this.waiters.length;
    while (i > 0) {
      const before = this.waiters[i - 1] as Waiter;
      if (rank(before.priority) <= rank(waiter.priority)) break;
      i--;
    }
    this.waiters.splice(i, 0, waiter);
  }

  private globalAvailableAt(now: number, limits: RateLimits): number {
    return Math.max(
      this.global.availableAt(limits.global, now, this.globalSlowdown, true),
      this.globalPenaltyUntil,
    );
  }

  private grant(): void {
    const now = this.clock.now();
    const limits = this.limitsNow();
    const sharing = this.shared?.reachable === true;
    let nextAt = Number.POSITIVE_INFINITY;
    const remaining: Waiter[] = [];
    // A chat/kind whose first waiter could not go blocks the later ones of that
    // chat/kind, so a preview never overtakes a final of the same chat.
    const blocked = new Set<string>();
    // The bot-wide budget is the same for every waiter: while it says "not yet",
    // nobody goes, and a thousand waiting streams cost one check.
    let globalAt = this.globalAvailableAt(now, limits);
    for (const waiter of this.waiters) {
      if (globalAt > now) {
        remaining.push(waiter);
        continue;
      }
      const { chat, kind } = waiter;
      const key = `${chat.key}:${kind}`;
      if (blocked.has(key)) {
        remaining.push(waiter);
        continue;
      }
      let at = chat.availableAt(kind, waiter.priority, now, limits);
      if (sharing) at = Math.max(at, chat.askAgainAt[kind]);
      if (at > now) {
        blocked.add(key);
        remaining.push(waiter);
        nextAt = Math.min(nextAt, at);
        continue;
      }
      const records = [
        chat.bucket(kind).take(chat.budgetOf(kind, limits), now),
        this.global.take(limits.global, now),
      ];
      globalAt = this.globalAvailableAt(now, limits);
      if (sharing) this.ask(waiter, records, limits);
      else this.hand(waiter, records);
    }
    if (globalAt > now && remaining.length > 0)
      nextAt = Math.min(nextAt, Math.max(globalAt, now + 1));
    this.waiters = remaining;
    this.schedule(nextAt);
  }

  /**
   * Reserve the call `records` stand for in the shared budget. While the
   * question is out, the records are in flight, so this chat waits and the
   * local pace counts the call. Granted: the call goes after the delay the
   * shared budget asks for (to the first final of the chat waiting by then,
   * if `waiter` is a preview). Refused: the records are forgotten and the
   * waiter asks again later. Not reachable: the waiter is queued again and
   * the local budget decides alone, at this process's share of the limits.
   */
  private ask(waiter: Waiter, records: CallRecord[], limits: RateLimits): void {
    const shared = this.shared as SharedBudget;
    const { chat, kind } = waiter;
    waiter.state = "asking";
    shared
      .reserve({
        chat: chat.key,
        kind,
        budget: chat.budgetOf(kind, limits),
        global: limits.global,
        paced: waiter.priority === "preview",
        slowdown: chat.slowdown,
        globalSlowdown: this.globalSlowdown,
      })
      .then(
        (answer) => {
          const now = this.clock.now();
          if (!answer.granted) {
            for (const record of records) this.cancel(record, chat, kind);
            chat.askAgainAt[kind] = now + answer.retryMs;
            if (waiter.state === "asking") this.requeue(waiter);
            else this.grant();
            return;
          }
          chat.penaltyUntil = Math.max(chat.penaltyUntil, now + answer.chatPenaltyMs);
          this.globalPenaltyUntil = Math.max(this.globalPenaltyUntil, now + answer.botPenaltyMs);
          for (const record of records) record.sentAt = now + answer.delayMs;
          const go = () => this.deliver(waiter, records, answer.ticket);
          if (answer.delayMs > 0) this.clock.setTimeout(go, answer.delayMs);
          else go();
        },
        // Unreachable (the shared budget logged it): ask again locally, at this process's share.
        () => {
          for (const record of records) this.cancel(record, chat, kind);
          if (waiter.state === "asking") this.requeue(waiter);
          else this.grant();
        },
      );
  }

  /** A reserved call is due: to the waiter, or to a final of the same chat that came since. */
  private deliver(waiter: Waiter, records: CallRecord[], ticket: SharedTicket | undefined): void {
    let taker = waiter;
    if (waiter.state !== "asking") {
      // Aborted meanwhile: a waiting final of the chat takes the slot, or nobody does.
      taker = this.waiters.find((w) => w.chat === waiter.chat && w.kind === waiter.kind) ?? waiter;
    } else if (waiter.priority === "preview") {
      taker =
        this.waiters.find(
          (w) => w.chat === waiter.chat && w.kind === waiter.kind && w.priority === "final",
        ) ?? waiter;
    }
    if (taker.state === "done") {
      const now = this.clock.now();
      for (const record of records) record.arrivedBy = now;
      if (ticket) this.shared?.settle(ticket, false);
    } else {
      if (taker !== waiter) {
        this.waiters = this.waiters.filter((w) => w !== taker);
        if (waiter.state === "asking") this.requeue(waiter, false);
      }
      this.hand(taker, records, ticket);
    }
    this.grant();
  }

  /** Put a waiter back in the queue (and look for slots, unless the caller will). */
  private requeue(waiter: Waiter, grant = true): void {
    waiter.state = "queued";
    this.enqueue(waiter);
    if (grant) this.grant();
  }

  private cancel(record: CallRecord, chat: ChatBudget, kind: BudgetKind): void {
    chat.bucket(kind).cancel(record);
    this.global.cancel(record);
  }

  /** Give `waiter` its slot, made of `records` (and of `ticket` in the shared budget). */
  private hand(waiter: Waiter, records: CallRecord[], ticket?: SharedTicket): void {
    waiter.state = "done";
    waiter.chat.waiting--;
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener("abort", waiter.onAbort);
    waiter.resolve({
      settle: () => {
        const first = records[0];
        if (!first || first.arrivedBy !== undefined) return;
        const at = this.clock.now();
        for (const record of records) record.arrivedBy = at;
        if (ticket) this.shared?.settle(ticket, true);
        this.grant();
      },
    });
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
}

/** Finals wait first. */
function rank(priority: BudgetPriority): number {
  return priority === "final" ? 0 : 1;
}

/** The budget of one chat: its two rate buckets, its penalty and how much it is slowed. */
import type { RateBudget, RateLimits } from "../limits.js";
import { RateBucket } from "./history.js";

/** Which of a chat's budgets a call draws on. */
export type BudgetKind = "message" | "draft";

/** Who waits first when several calls want the same chat: finals go before previews. */
export type BudgetPriority = "final" | "preview";

/** How much slower a chat (or the bot) is paced after each 429, and the most it is ever slowed. */
export const BACKOFF_FACTOR = 1.5;
export const MAX_SLOWDOWN = 8;
/** Each successful call brings a slowed chat this much closer to its normal pace. */
export const RECOVERY_FACTOR = 0.97;

/**
 * Everything one chat may still do: its send/edit budget, its draft/chat-action
 * budget, any penalty Telegram announced, and how much it is slowed after 429s.
 *
 * Get it from the bot budget's `chat()` and give it back with `release()`
 * when done: the bot budget keeps one per chat for as long as anyone uses it.
 */
export class ChatBudget {
  readonly message = new RateBucket();
  readonly draft = new RateBucket();
  /** No call to this chat before this time (a 429's `retry_after`). */
  penaltyUntil = 0;
  /** 1 normally; grows after each 429 so the penalty does not recur. */
  slowdown = 1;
  /** How many `chat()` calls have not been released yet. */
  users = 0;
  /** How many `acquire` calls for this chat wait for a slot. */
  waiting = 0;
  /** While the budget is shared: another process has a call in flight here, ask it again after this time. */
  readonly askAgainAt: Record<BudgetKind, number> = { message: 0, draft: 0 };

  constructor(
    /** The chat id, as a string. */
    readonly key: string,
    /** Private chats have one call per second; groups also 20 per minute. */
    readonly isPrivate: boolean,
  ) {}

  bucket(kind: BudgetKind): RateBucket {
    return kind === "message" ? this.message : this.draft;
  }

  /** The rate budget of `kind` in this chat under `limits`. */
  budgetOf(kind: BudgetKind, limits: RateLimits): RateBudget {
    if (kind === "draft") return limits.draft;
    return this.isPrivate ? limits.privateChat : limits.groupChat;
  }

  /** The earliest time a call of `kind` may go out; finals keep to the windows but not to the pace. */
  availableAt(kind: BudgetKind, priority: BudgetPriority, now: number, limits: RateLimits): number {
    return Math.max(
      this.penaltyUntil,
      this.bucket(kind).availableAt(
        this.budgetOf(kind, limits),
        now,
        this.slowdown,
        priority === "preview",
      ),
    );
  }
}

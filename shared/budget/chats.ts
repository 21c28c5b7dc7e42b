/**
 * The chats a bot budget remembers: one {@link ChatBudget} per chat for as
 * long as anyone uses it, and no longer than that, so a bot that has talked
 * to 100,000 chats keeps only the recent ones.
 */
import type { RateLimits } from "../limits.js";
import { ChatBudget } from "./chat.js";

/**
 * A chat that got a 429 is remembered (its slowdown) this long after its
 * penalty ended, unscaled; after that, unused, it is forgotten like any other.
 */
const PENALTY_MEMORY_MS = 10 * 60_000;
/** Below this many chats there is no sweep: they cost nothing worth the scan. */
const SWEEP_FLOOR = 256;

/**
 * The chat budgets of one bot, counted by their users. `take` and `release`
 * pair up; a chat is forgotten only when no one uses it, no call waits for
 * it, all its calls have left every window and its last penalty ended 10
 * minutes (scaled) ago. Sweeps run when the chats outnumber 256 and a quarter
 * of them (at least 256) takes and releases happened since the last one:
 * constant work per call on average.
 */
export class ChatRegistry {
  private readonly chats = new Map<string, ChatBudget>();
  /** Takes and releases since the last sweep. */
  private sinceSweep = 0;

  constructor(
    /** The limits (scaled) the windows are checked against. */
    private readonly limits: RateLimits,
    private readonly timeScale: number,
  ) {}

  /** The budget of `key`, for one more user. */
  take(key: string, isPrivate: boolean): ChatBudget {
    let chat = this.chats.get(key);
    if (!chat) {
      chat = new ChatBudget(key, isPrivate);
      this.chats.set(key, chat);
    }
    chat.users++;
    return chat;
  }

  /** One user fewer (extra releases are ignored). */
  release(chat: ChatBudget, now: number): void {
    if (chat.users > 0) chat.users--;
    this.touched(now);
  }

  /**
   * Make sure `chat` is the budget kept for its key: a caller that kept a
   * chat past its last release gets it back rather than a second budget for
   * the same chat.
   */
  adopt(chat: ChatBudget): void {
    if (!this.chats.has(chat.key)) this.chats.set(chat.key, chat);
  }

  /** A call used the registry: sweep when due. */
  touched(now: number): void {
    this.sinceSweep++;
    if (this.chats.size <= SWEEP_FLOOR) return;
    if (this.sinceSweep < Math.max(SWEEP_FLOOR, this.chats.size / 4)) return;
    this.sinceSweep = 0;
    this.sweep(now);
  }

  /** How many chats are remembered. */
  get size(): number {
    return this.chats.size;
  }

  private sweep(now: number): void {
    const forgetPenaltyBefore = now - PENALTY_MEMORY_MS * this.timeScale;
    for (const [key, chat] of this.chats) {
      if (
        chat.users === 0 &&
        chat.waiting === 0 &&
        (chat.penaltyUntil === 0 || chat.penaltyUntil < forgetPenaltyBefore) &&
        chat.message.idleSince(chat.budgetOf("message", this.limits), now) &&
        chat.draft.idleSince(this.limits.draft, now)
      ) {
        this.chats.delete(key);
      }
    }
  }
}

import type { StreamResult } from "../shared/index.js";

/**
 * How much of its past replies a bot remembers to recognise a redelivered
 * update: the replies to its last {@link REDELIVERY_MEMORY.maxReplies}
 * updates, each for {@link REDELIVERY_MEMORY.keepMs} after it ended.
 */
export const REDELIVERY_MEMORY = Object.freeze({
  /** Replies remembered per bot token; past this, the oldest is forgotten first. */
  maxReplies: 1000,
  /** How long a finished reply is remembered: one hour. A reply still streaming is kept until it ends. */
  keepMs: 60 * 60 * 1000,
});

/** The bounds of a {@link RecentReplies}. */
export interface ReplyMemoryLimits {
  maxReplies: number;
  keepMs: number;
}

interface Remembered {
  result: Promise<StreamResult>;
  /** When the reply ended (resolved or rejected), on `now()`'s clock. */
  endedAt?: number;
}

/**
 * The replies a bot has started, by update, so that an update Telegram
 * delivers again (a webhook that answered too late or with an error status)
 * gets the first reply's promise instead of a second reply.
 *
 * A key names one `ctx.streamReply` call of one update: the whole update (a
 * redelivery is the same update; one that only shares its `update_id`, as
 * after a server restarted its count, is not) and the call's place among that
 * update's calls (`"{…}#1"`), so
 * a handler that replies twice still replies twice, and its redelivery
 * replays both calls without sending either again.
 *
 * Bounded and expiring (see {@link REDELIVERY_MEMORY}); it lives in the
 * process, so a redelivery that reaches another process is not recognised.
 */
export class RecentReplies {
  private readonly replies = new Map<string, Remembered>();

  constructor(
    private readonly limits: ReplyMemoryLimits = REDELIVERY_MEMORY,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The reply remembered under `key` (streaming or ended, resolved or
   * rejected), or the one `start()` begins, remembered from now on.
   */
  replyFor(key: string, start: () => Promise<StreamResult>): Promise<StreamResult> {
    this.forgetExpired();
    const known = this.replies.get(key);
    if (known) return known.result;
    const entry: Remembered = { result: start() };
    const ended = () => {
      entry.endedAt = this.now();
    };
    entry.result.then(ended, ended);
    this.replies.set(key, entry);
    while (this.replies.size > this.limits.maxReplies) {
      const oldest = this.replies.keys().next().value;
      if (oldest === undefined) break;
      this.replies.delete(oldest);
    }
    return entry.result;
  }

  /** How many replies are remembered now. */
  get size(): number {
    return this.replies.size;
  }

  private forgetExpired(): void {
    const cutoff = this.now() - this.limits.keepMs;
    for (const [key, entry] of this.replies) {
      if (entry.endedAt !== undefined && entry.endedAt <= cutoff) this.replies.delete(key);
    }
  }
}

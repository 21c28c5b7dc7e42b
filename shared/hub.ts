import type { BotApi } from "./bot-api.js";
import { type Logger, RedisBudget } from "./budget/redis.js";
import { BotBudget, type Clock, systemClock } from "./budget.js";
import { StreamConsumer } from "./consumer.js";
import { ExpiringSet } from "./expiring-set.js";
import { type RateLimits, resolveLimits } from "./limits.js";
import { resolveStreamOptions, type StreamOptions } from "./options.js";
import { type RedisSharing, validateRedisSharing } from "./redis/connection.js";
import { SharedDraftIds } from "./redis/draft-ids.js";
import type { StreamResult } from "./result.js";
import { type StreamSourceInput, toStreamEvents } from "./sources.js";
import { TELEGRAM_TEXT_LIMIT } from "./split.js";

/**
 * How long a chat where drafts were refused keeps getting edits instead
 * (scaled by `timeScale`), and how many such chats are remembered at most.
 */
const NO_DRAFTS_TTL_MS = 60 * 60_000;
const NO_DRAFTS_CAPACITY = 10_000;

/** Options of a {@link StreamHub}. */
export interface StreamHubOptions {
  /** Override Telegram's limits (see `TELEGRAM_LIMITS`); validated here. */
  limits?: Partial<RateLimits>;
  /**
   * Multiplies every rate window, every `retry_after` and the draft keep-alive.
   * Only for tests against an emulator whose limits are scaled the same way. Default 1.
   */
  timeScale?: number;
  /** The longest message text in UTF-16 units. Default 4096, Telegram's limit; lower it only for a server with a lower one. */
  textLimit?: number;
  /**
   * Give up on a call that has no reply after this long and treat its outcome
   * as unknown (it is retried). Leave room for transformers that wait inside a
   * call, such as auto-retry. Default 30 000 ms.
   */
  callTimeoutMs?: number;
  /**
   * Share the bot's rate budget and draft ids with its other processes
   * through Redis: `{ client, botId, prefix? }` (see `RedisSharing`). Every
   * call is then reserved in Redis in one round trip, so several processes
   * together keep to Telegram's limits. While Redis does not answer, streams
   * go on with this process's share of the limits and one warning is logged.
   */
  redis?: RedisSharing;
  /** Where warnings go (Redis unreachable). Default `console`. */
  logger?: Logger;
  /** Defaults for every stream of this hub, overridden per stream. Validated here. */
  defaults?: StreamOptions;
  /** @internal a clock for tests with fake timers. */
  clock?: Clock;
}

/**
 * The streaming state of one bot: its rate budget (shared by every stream to
 * every chat, so parallel replies never add up past Telegram's limits), its
 * draft ids, the chats where drafts proved unavailable, and the streams that a
 * stop button can abort.
 *
 * Create one per bot and keep it for the life of the process; the grammY plugin
 * and the Node-RED node each do this for you.
 */
export class StreamHub {
  readonly budget: BotBudget;
  readonly clock: Clock;
  readonly textLimit: number;
  readonly callTimeoutMs: number;
  private readonly defaults: StreamOptions;
  private draftSeq: number;
  private readonly sharedDraftIds: SharedDraftIds | undefined;
  /**
   * The Redis side of the budget when the hub shares it (`redis` option):
   * its `stats` count round trips and granted calls.
   */
  readonly redisBudget: RedisBudget | undefined;
  /** Chats where drafts proved unavailable: bounded, and each forgotten after an hour. */
  private readonly noDrafts: ExpiringSet;
  private readonly drafts = new Map<string, StreamConsumer>();
  private readonly active = new Set<StreamConsumer>();

  constructor(
    /** How the hub calls the Bot API. */
    readonly api: BotApi,
    options: StreamHubOptions = {},
  ) {
    if (typeof api?.call !== "function")
      throw new TypeError("StreamHub needs a BotApi: an object with call(method, payload)");
    this.clock = options.clock ?? systemClock;
    const clock = this.clock;
    const timeScale = options.timeScale ?? 1;
    if (options.redis !== undefined) validateRedisSharing(options.redis);
    if (options.logger !== undefined && typeof options.logger?.warn !== "function")
      throw new TypeError("logger must be an object with a warn(message) method");
    const callTimeout = options.callTimeoutMs ?? 30_000;
    const limits = resolveLimits(options.limits);
    const shared = options.redis
      ? new RedisBudget(options.redis, {
          timeScale,
          recoveryMs: longestWindowMs(limits) * timeScale,
          // A call without a settle this long after it was made is over (its process died).
          inflightMs: (Number.isFinite(callTimeout) ? callTimeout : 30_000) + 1000,
          ...(options.logger ? { logger: options.logger } : {}),
        })
      : undefined;
    this.budget = new BotBudget({
      limits,
      timeScale,
      clock: this.clock,
      ...(shared ? { shared } : {}),
    });
    this.redisBudget = shared;
    const textLimit = options.textLimit ?? TELEGRAM_TEXT_LIMIT;
    if (!Number.isInteger(textLimit) || textLimit < 64 || textLimit > TELEGRAM_TEXT_LIMIT) {
      throw new RangeError(
        `textLimit must be a whole number from 64 to ${TELEGRAM_TEXT_LIMIT}, got ${textLimit}`,
      );
    }
    this.textLimit = textLimit;
    this.noDrafts = new ExpiringSet(NO_DRAFTS_CAPACITY, this.budget.scaled(NO_DRAFTS_TTL_MS), () =>
      clock.now(),
    );
    const callTimeoutMs = options.callTimeoutMs ?? 30_000;
    if (typeof callTimeoutMs !== "number" || !(callTimeoutMs > 0)) {
      throw new RangeError(`callTimeoutMs must be a positive number, got ${String(callTimeoutMs)}`);
    }
    this.callTimeoutMs = callTimeoutMs;
    // Fail now, not mid-stream, if the defaults are wrong.
    resolveStreamOptions({}, options.defaults);
    this.defaults = options.defaults ?? {};
    // Random start: draft ids of a restarted process do not animate a previous process's draft.
    this.draftSeq = Math.floor(Math.random() * 2 ** 30);
    if (options.redis)
      this.sharedDraftIds = new SharedDraftIds(options.redis, 500, () => {
        if (shared) shared.stats.roundTrips++;
      });
  }

  /**
   * Start a stream to `chatId` and feed it yourself (`delta`, `segment`,
   * `done`, `abort`). Options are validated now and throw before any request.
   */
  stream(chatId: number | string, options: StreamOptions = {}): StreamConsumer {
    if (typeof chatId !== "number" && typeof chatId !== "string") {
      throw new TypeError(`chatId must be a number or a string, got ${typeof chatId}`);
    }
    const resolved = resolveStreamOptions(options, this.defaults);
    const isPrivate = resolved.chatType
      ? resolved.chatType === "private"
      : typeof chatId === "number" && chatId > 0;
    if (resolved.transport === "draft" && !isPrivate) {
      throw new TypeError(
        `transport "draft" works in private chats only; chat ${chatId} is not one (use "auto" or "edit")`,
      );
    }
    const consumer = new StreamConsumer(this, chatId, resolved);
    this.active.add(consumer);
    return consumer;
  }

  /**
   * Stream `source` (any shape `toStreamEvents` accepts, or a factory receiving
   * the stream's AbortSignal) to `chatId`, and resolve when it is persisted.
   */
  async streamMessage(
    chatId: number | string,
    source: StreamSourceInput,
    options: StreamOptions = {},
  ): Promise<StreamResult> {
    const consumer = this.stream(chatId, options);
    let events: AsyncIterable<unknown>;
    try {
      events = toStreamEvents(source, consumer.signal);
    } catch (error) {
      consumer.abort(error);
      await consumer.result.catch(() => {});
      throw error;
    }
    return consumer.consume(events as AsyncIterable<never>);
  }

  /**
   * The user pressed stop on a draft (`stopped_message_generation`): abort the
   * stream that owns it. Returns whether one did.
   */
  stop(chatId: number | string, draftId: number, threadId?: number): boolean {
    const consumer = this.drafts.get(draftKey(chatId, threadId, draftId));
    if (!consumer) return false;
    consumer.abort(new Error("stopped by the user"));
    return true;
  }

  /** Streams that have not finished yet. */
  get activeStreams(): ReadonlySet<StreamConsumer> {
    return this.active;
  }

  /** @internal */
  nextDraftId(): number {
    if (this.sharedDraftIds) return this.sharedDraftIds.take();
    this.draftSeq = (this.draftSeq % 2_000_000_000) + 1;
    return this.draftSeq;
  }

  /** @internal */
  registerDraft(
    chatId: number | string,
    threadId: number | undefined,
    draftId: number,
    consumer: StreamConsumer,
  ): void {
    this.drafts.set(draftKey(chatId, threadId, draftId), consumer);
  }

  /** @internal */
  unregister(consumer: StreamConsumer): void {
    this.active.delete(consumer);
    for (const [key, owner] of this.drafts) if (owner === consumer) this.drafts.delete(key);
  }

  /**
   * @internal Whether drafts were refused in `chatId` within the last hour
   * (scaled): the consumer then streams by edits.
   */
  draftsUnsupported(chatId: number | string): boolean {
    return this.noDrafts.has(String(chatId));
  }

  /**
   * @internal Remember that `chatId` refused drafts: only for an answer that
   * means "drafts are not available here" (the consumer decides which). The
   * memory expires after an hour (scaled) and holds at most 10,000 chats, the
   * least recently refused going first.
   */
  rememberNoDrafts(chatId: number | string): void {
    this.noDrafts.add(String(chatId));
  }
}

/** The longest window of any of `limits`, unscaled. */
function longestWindowMs(limits: RateLimits): number {
  const budgets = [limits.privateChat, limits.groupChat, limits.draft, limits.global];
  return Math.max(...budgets.flatMap((budget) => budget.windows.map((w) => w.windowMs)));
}

function draftKey(chatId: number | string, threadId: number | undefined, draftId: number): string {
  return `${chatId}:${threadId ?? 0}:${draftId}`;
}

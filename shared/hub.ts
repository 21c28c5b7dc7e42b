import type { BotApi } from "./bot-api.js";
import { type Logger, RedisBudget } from "./budget/redis.js";
import { BotBudget, type Clock, systemClock } from "./budget.js";
import { StreamConsumer } from "./consumer.js";
import { ExpiringSet } from "./expiring-set.js";
import type { StreamJournal } from "./journal.js";
import { type RateLimits, resolveLimits } from "./limits.js";
import { resolveStreamOptions, type StreamOptions } from "./options.js";
import { type RedisSharing, redisKey, validateRedisSharing } from "./redis/connection.js";
import { RedisCoordination } from "./redis/coordination.js";
import { SharedDraftIds } from "./redis/draft-ids.js";
import { RedisTrouble, warningsTo } from "./redis/trouble.js";
import type { StreamResult } from "./result.js";
import { type StreamSourceInput, toStreamEvents } from "./sources/index.js";
import { TELEGRAM_TEXT_LIMIT } from "./split.js";

/** The note recovery appends to a message whose process died mid-stream. */
export const DEFAULT_INTERRUPTED_NOTE = "\n\n(interrupted)";
/** A process that has not renewed its lease for this long (times `timeScale`) is taken for dead. */
const LEASE_MS = 10_000;
/** How often each process looks for dead processes' messages (times `timeScale`). */
const RECOVERY_SCAN_MS = 5_000;
/** A message's journal entry is written at most this often (times `timeScale`). */
const JOURNAL_WRITE_MS = 1_000;
/** How long shutdown waits for the journal's last write and the lease's release (real ms). */
const REDIS_CLOSE_MS = 2_000;
/** Streams settle by their deadline; shutdown waits at most this much longer for them. */
const SHUTDOWN_GRACE_MS = 100;
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
   * Share this bot's state with its other processes through Redis:
   * `{ client, botId, prefix? }` (see `RedisSharing`). The app owns the client;
   * call {@link StreamHub.shutdown} before it quits the client.
   * - The rate budget and draft ids: every call is reserved in Redis in one
   *   round trip, so several processes together keep to Telegram's limits.
   *   While Redis does not answer, streams go on with this process's share of
   *   the limits and one warning is logged.
   * - A stop press reaches the process that streams the draft.
   * - The open messages of a process that dies are finished by another one
   *   (within 25 s at `timeScale` 1: a 10 s lease, gone for another lease,
   *   a look every 5 s).
   *
   * One Redis outage logs one warning for the hub (whichever part notices
   * it first), and another after Redis was back; a failure that is not an
   * outage (Redis answered with an error) is logged on its own.
   * The hub's own connection (the stop channel's) closes with the client.
   */
  redis?: RedisSharing;
  /** Where warnings go (Redis unreachable or failing). Default `console`. */
  logger?: Logger;
  /** Defaults for every stream of this hub, overridden per stream. Validated here. */
  defaults?: StreamOptions;
  /**
   * Appended to a message that crash recovery finishes (edited messages and
   * persisted drafts alike); translate it for your users, or `""` for none.
   * Left out when the message would grow past the text limit.
   * Default `"\n\n(interrupted)"`.
   */
  interruptedNote?: string;
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
  /** Where streams report what they show, so another process can finish it (only with `redis`). */
  readonly journal?: StreamJournal;
  private readonly coordination?: RedisCoordination;
  private shuttingDown: Promise<void> | undefined;

  constructor(
    /** How the hub calls the Bot API: the default of streams started without their own. */
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
    // One id for this process in the budget and the coordination: its lease tells both that it lives.
    const processId = globalThis.crypto.randomUUID();
    // One warning per Redis outage for the whole hub: the budget says how it paces meanwhile.
    const trouble = options.redis
      ? new RedisTrouble(
          warningsTo(options.logger),
          (reason) =>
            `${this.redisBudget?.outageWarning(reason)}; ` +
            "stop presses from other processes and crash recovery wait until then too",
        )
      : undefined;
    const shared =
      options.redis && trouble
        ? new RedisBudget(options.redis, {
            timeScale,
            recoveryMs: longestWindowMs(limits) * timeScale,
            // A call without a settle this long after it was made is over (its process died
            // without its lease being seen gone, or there is no lease).
            inflightMs: (Number.isFinite(callTimeout) ? callTimeout : 30_000) + 1000,
            leases: { processId, keyPrefix: redisKey(options.redis, "lease:") },
            trouble,
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
    const note = options.interruptedNote ?? DEFAULT_INTERRUPTED_NOTE;
    if (typeof note !== "string" || note.length > 256) {
      throw new TypeError("interruptedNote must be a string of at most 256 UTF-16 units");
    }
    if (options.redis !== undefined && trouble) {
      this.coordination = new RedisCoordination(
        this,
        options.redis,
        {
          processId,
          interruptedNote: note,
          defaultCursor: resolveStreamOptions({}, options.defaults).cursor,
          leaseMs: this.budget.scaled(LEASE_MS),
          scanIntervalMs: this.budget.scaled(RECOVERY_SCAN_MS),
          writeIntervalMs: this.budget.scaled(JOURNAL_WRITE_MS),
        },
        trouble,
      );
      this.journal = this.coordination.journal;
    }
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
   *
   * `api`, when given, is where this stream's calls go (for example the
   * `Api` of the update it answers, with that update's transformers); the
   * stream still paces them with the hub's one budget. Default: the hub's.
   */
  stream(chatId: number | string, options: StreamOptions = {}, api?: BotApi): StreamConsumer {
    if (typeof chatId !== "number" && typeof chatId !== "string") {
      throw new TypeError(`chatId must be a number or a string, got ${typeof chatId}`);
    }
    if (api !== undefined && typeof api?.call !== "function") {
      throw new TypeError("api must be a BotApi: an object with call(method, payload)");
    }
    if (this.shuttingDown) throw new Error("streamgram: this bot's hub is shut down");
    const resolved = resolveStreamOptions(options, this.defaults);
    const isPrivate = resolved.chatType
      ? resolved.chatType === "private"
      : typeof chatId === "number" && chatId > 0;
    if (resolved.transport === "draft" && !isPrivate) {
      throw new TypeError(
        `transport "draft" works in private chats only; chat ${chatId} is not one (use "auto" or "edit")`,
      );
    }
    const consumer = new StreamConsumer(this, chatId, resolved, api);
    this.active.add(consumer);
    return consumer;
  }

  /**
   * Stream `source` (any shape `toStreamEvents` accepts, or a factory receiving
   * the stream's AbortSignal) to `chatId`, and resolve when it is persisted.
   * `api` is where this stream's calls go, as in {@link StreamHub.stream}.
   */
  async streamMessage(
    chatId: number | string,
    source: StreamSourceInput,
    options: StreamOptions = {},
    api?: BotApi,
  ): Promise<StreamResult> {
    const consumer = this.stream(chatId, options, api);
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
   * stream that owns it. Returns whether a stream of this process did; with
   * `redis`, a draft streamed by no stream here is passed on to the bot's other
   * processes, and the one that streams it aborts it (within a second).
   */
  stop(chatId: number | string, draftId: number, threadId?: number): boolean {
    if (this.stopLocal(chatId, draftId, threadId)) return true;
    this.coordination?.publishStop(
      threadId === undefined ? { chatId, draftId } : { chatId, draftId, threadId },
    );
    return false;
  }

  /** @internal abort the stream of this process that owns the draft, if any. */
  stopLocal(chatId: number | string, draftId: number, threadId?: number): boolean {
    const consumer = this.drafts.get(draftKey(chatId, threadId, draftId));
    if (!consumer) return false;
    consumer.abort(new Error("stopped by the user"));
    return true;
  }

  /**
   * Shut down gracefully (SIGTERM, a deploy, `bot.stop()`): end every running
   * stream now as {@link StreamConsumer.finishWithin} does, so what arrived is
   * persisted without cursor, and wait at most `deadlineMs` for it. New streams
   * are refused from now on. With `redis`, the journal is written and the lease
   * given up afterwards: a message still held at the deadline (by a rate-limit
   * penalty or a dead network) stays in Redis and another process, or this one
   * restarted, finishes it. Resolves when done; calling it again returns the
   * same promise. Each stream's own `result` tells what it delivered.
   * @throws RangeError for a deadline that is not a number >= 0.
   */
  shutdown(deadlineMs: number): Promise<void> {
    if (!(deadlineMs >= 0)) {
      throw new RangeError(`shutdown needs a deadline in ms >= 0, got ${String(deadlineMs)}`);
    }
    this.shuttingDown ??= this.finishAll(deadlineMs);
    return this.shuttingDown;
  }

  private async finishAll(deadlineMs: number): Promise<void> {
    const streams = [...this.active];
    for (const stream of streams) stream.finishWithin(deadlineMs, new Error("shutting down"));
    let timer: unknown;
    const deadline = new Promise<void>((resolve) => {
      timer = this.clock.setTimeout(resolve, deadlineMs + SHUTDOWN_GRACE_MS);
    });
    await Promise.race([Promise.allSettled(streams.map((stream) => stream.result)), deadline]);
    this.clock.clearTimeout(timer);
    if (this.coordination || this.redisBudget) {
      // Redis may be down: the journal's last write and the budget's last settles
      // (which would otherwise hold other processes until the call timeout) must
      // not hold the shutdown for long.
      let closeTimer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([this.coordination?.close(), this.redisBudget?.flushSettles()]),
        new Promise<void>((resolve) => {
          closeTimer = setTimeout(resolve, REDIS_CLOSE_MS);
        }),
      ]);
      clearTimeout(closeTimer);
    }
  }

  /**
   * Resolves when the hub's Redis coordination is up: the lease taken and the
   * stop channel subscribed (at once without `redis`). Never rejects: if Redis
   * does not answer, streams go on without it (one warning is logged).
   */
  get ready(): Promise<void> {
    return this.coordination?.ready.catch(() => {}) ?? Promise.resolve();
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

import { type RateLimits, resolveStreamOptions, type StreamOptions } from "../shared/index.js";
import type { RedisClient } from "../shared/redis/connection.js";

/**
 * Redis for a bot that runs in several processes: the `ioredis` client you
 * made (`new Redis(process.env.REDIS_URL)`), or `{ client, prefix?, botId? }`.
 * The bot id defaults to the number before the colon of the bot's token (the
 * token itself never reaches Redis); `prefix` goes before every key.
 */
export type RedisOption = RedisClient | { client: RedisClient; prefix?: string; botId?: number };

/**
 * Settings of the one rate budget a bot shares across all its streams. They
 * belong to the bot, not to a stream: every `streaming()` and
 * `streamMessage()` of one bot token must agree on them.
 */
export interface HubSettings {
  /**
   * Override Telegram's rate limits (see `TELEGRAM_LIMITS`). Only needed for
   * a server with other limits than Telegram's, such as a local emulator.
   */
  limits?: Partial<RateLimits>;
  /**
   * Multiplies every rate window and every `retry_after`. Only for tests
   * against an emulator whose limits are scaled the same way. Default 1.
   */
  timeScale?: number;
  /**
   * The longest message text in UTF-16 code units. Default 4096, Telegram's
   * limit; lower it only for a server with a lower one.
   */
  textLimit?: number;
  /**
   * Give up on a Bot API call with no reply after this long and repeat it.
   * Leave room for transformers that wait inside a call, such as auto-retry.
   * Default 30 000 ms.
   */
  callTimeoutMs?: number;
  /**
   * Share this bot's rate budget and draft ids with its other processes
   * (replicas, workers) through Redis, so together they keep to Telegram's
   * limits: an `ioredis` client, or `{ client, prefix?, botId? }` (see
   * {@link RedisOption}). Without it each process has its own budget. While
   * Redis does not answer, streams go on with this process's share of the
   * limits and one warning is logged per outage.
   */
  redis?: RedisOption;
  /** Where warnings go (Redis unreachable). Default `console`. */
  logger?: { warn(message: string): void };
  /** Appended to a message that crash recovery finishes. Default `"\n\n(interrupted)"`. */
  interruptedNote?: string;
}

/**
 * Options of `ctx.streamReply`: every {@link StreamOptions} field, plus
 * `replyTo`.
 *
 * The plugin fills in what the update tells it (chat type, topic, business
 * connection) and renders Markdown by default (`format: "markdown"`); set a
 * field here to override it for one reply.
 */
export interface StreamReplyOptions extends StreamOptions {
  /**
   * Quote the message the bot is answering in the first message of the
   * reply. Default false. Needs an update with a message (`ctx.msg`).
   */
  replyTo?: boolean;
}

/**
 * Options of `streaming()`: defaults for every `ctx.streamReply` of the bot
 * (any {@link StreamReplyOptions} field), plus the bot's {@link HubSettings}.
 */
export interface StreamingOptions extends StreamReplyOptions, HubSettings {}

/**
 * Options of `streamMessage()`: the {@link StreamOptions} of this stream,
 * plus the bot's {@link HubSettings} in case this call is the first to
 * stream for the bot.
 */
export interface StreamMessageOptions extends StreamOptions, HubSettings {}

/** The plugin renders Markdown unless told otherwise: that is what LLMs write. */
export const PLUGIN_DEFAULTS: Readonly<StreamOptions> = Object.freeze({ format: "markdown" });

const HUB_SETTING_KEYS = [
  "limits",
  "timeScale",
  "textLimit",
  "callTimeoutMs",
  "redis",
  "interruptedNote",
  "logger",
] as const;

/** Options split into what the bot's hub needs and what each stream needs. */
export interface SplitOptions {
  hub: HubSettings;
  stream: StreamOptions;
  replyTo: boolean | undefined;
}

/** Which plugin-level keys a function accepts besides {@link StreamOptions}. */
export interface AcceptedKeys {
  replyTo: boolean;
  hub: boolean;
}

/**
 * Separate hub settings and `replyTo` from stream options, and validate the
 * stream options (unknown keys included), so mistakes throw before any request.
 *
 * @param where names the function in error messages, e.g. `"streaming()"`.
 * @throws TypeError for an object that is not one, an unknown key or a wrong
 *   type; RangeError for a value out of range.
 */
export function splitOptions(
  options: unknown,
  where: string,
  accepted: AcceptedKeys,
): SplitOptions {
  if (options === undefined) return { hub: {}, stream: {}, replyTo: undefined };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `${where}: options must be an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  if (!accepted.replyTo && "replyTo" in options) {
    throw new TypeError(`${where}: unknown option "replyTo" (it only applies to ctx.streamReply)`);
  }
  if (!accepted.hub) {
    const misplaced = HUB_SETTING_KEYS.find((key) => key in options);
    if (misplaced) {
      throw new TypeError(
        `${where}: "${misplaced}" is a setting of the whole bot; pass it to streaming() instead`,
      );
    }
  }
  const {
    limits,
    timeScale,
    textLimit,
    callTimeoutMs,
    redis,
    logger,
    interruptedNote,
    replyTo,
    ...stream
  } = options as StreamingOptions;
  if (replyTo !== undefined && typeof replyTo !== "boolean") {
    throw new TypeError(`${where}: replyTo must be true or false, got ${String(replyTo)}`);
  }
  const hub: HubSettings = {};
  if (limits !== undefined) hub.limits = limits;
  if (timeScale !== undefined) hub.timeScale = timeScale;
  if (textLimit !== undefined) hub.textLimit = textLimit;
  if (callTimeoutMs !== undefined) hub.callTimeoutMs = callTimeoutMs;
  if (redis !== undefined) hub.redis = redis;
  if (interruptedNote !== undefined) hub.interruptedNote = interruptedNote;
  if (logger !== undefined) hub.logger = logger;
  try {
    resolveStreamOptions(stream, PLUGIN_DEFAULTS);
  } catch (error) {
    if (error instanceof Error) error.message = `${where}: ${error.message}`;
    throw error;
  }
  return { hub, stream, replyTo };
}

/**
 * Layer option objects, later ones winning, skipping fields that are
 * `undefined` so that `{ transport: undefined }` does not erase a default.
 */
export function mergeOptions(...layers: StreamOptions[]): StreamOptions {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) merged[key] = value;
  }
  return merged as StreamOptions;
}

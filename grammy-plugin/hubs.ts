import type { Api } from "grammy";
import {
  resolveLimits,
  StreamHub,
  type StreamHubOptions,
  TELEGRAM_TEXT_LIMIT,
} from "../shared/index.js";
import { type RedisSharing, validateRedisSharing } from "../shared/redis/connection.js";
import { grammyBotApi } from "./bot-api.js";
import type { HubSettings, RedisOption } from "./options.js";
import { RecentReplies } from "./redelivery.js";

/** What the plugin keeps per bot token: its hub, its recent replies, and the settings it was created with. */
export interface BotStreaming {
  hub: StreamHub;
  /** Replies by update, so a redelivered update does not answer twice. */
  replies: RecentReplies;
  settings: ComparableSettings;
}

/** Hub settings with defaults filled in, in a form that can be compared. */
interface ComparableSettings {
  limits: string;
  timeScale: number;
  textLimit: number;
  callTimeoutMs: number;
  /** The Redis client and key prefix, or undefined without Redis. */
  redis: { client: unknown; prefix: string } | undefined;
}

/**
 * One hub per bot token for the whole process, so that `ctx.streamReply`,
 * `streamMessage` and every concurrent update share one rate budget. The
 * token is only a key here: it is never logged or put in an error message.
 */
const hubs = new Map<string, BotStreaming>();

/** Accepts no calls: lets {@link validateHubSettings} build a hub without a bot. */
const NO_API = {
  call: () => Promise.reject(new Error("streamgram: validation hub cannot call Telegram")),
};

/**
 * Check hub settings now, with the core's own rules, so `streaming()` throws
 * at startup rather than at the first update.
 * @throws TypeError or RangeError naming the wrong setting.
 */
export function validateHubSettings(settings: HubSettings): void {
  // Without `redis`: a hub with it would take a lease and subscribe.
  const { redis, ...rest } = settings;
  // Check the redis option without starting to use it: no hub of a real bot yet.
  if (redis !== undefined) validateRedisSharing(redisSharing(redis, undefined));
  new StreamHub(NO_API, rest);
}

/**
 * The hub of the bot that `api` belongs to, if any stream or
 * {@link streamHubFor} created one in this process.
 */
export function existingStreamHub(api: Api): StreamHub | undefined {
  return typeof api?.token === "string" ? hubs.get(api.token)?.hub : undefined;
}

/**
 * The core's {@link RedisSharing} for the `redis` option: the bot id from the
 * option, else from `token` (the number before its colon; the token itself is
 * never used as a key). Without a token (validation), a placeholder id.
 * @throws TypeError when the option is neither a client nor `{ client }`.
 */
function redisSharing(option: RedisOption, token: string | undefined): RedisSharing {
  if (typeof option !== "object" || option === null)
    throw new TypeError("redis must be an ioredis client or { client, prefix?, botId? }");
  const wrapped = "client" in option && typeof (option as { eval?: unknown }).eval !== "function";
  const { client, prefix, botId } = wrapped
    ? (option as { client: RedisSharing["client"]; prefix?: string; botId?: number })
    : { client: option as RedisSharing["client"], prefix: undefined, botId: undefined };
  const id = botId ?? (token === undefined ? 0 : token.split(":")[0]);
  return { client, botId: id as number, ...(prefix !== undefined ? { prefix } : {}) };
}

function hubOptions(settings: HubSettings, token: string): StreamHubOptions {
  const { redis, ...rest } = settings;
  return redis === undefined ? rest : { ...rest, redis: redisSharing(redis, token) };
}

function comparable(settings: HubSettings): ComparableSettings {
  const redis = settings.redis === undefined ? undefined : redisSharing(settings.redis, undefined);
  return {
    redis: redis && { client: redis.client, prefix: redis.prefix ?? "" },
    limits: JSON.stringify(resolveLimits(settings.limits)),
    timeScale: settings.timeScale ?? 1,
    textLimit: settings.textLimit ?? TELEGRAM_TEXT_LIMIT,
    callTimeoutMs: settings.callTimeoutMs ?? 30_000,
  };
}

/**
 * The {@link StreamHub} of the bot that `api` belongs to, created on first
 * use with `settings`; later calls may name settings only if they match.
 *
 * The hub is the bot's one rate budget. Streams started by `ctx.streamReply`
 * and `streamMessage` call Telegram through their own `Api` (so two `Bot`
 * objects with one token keep their own API root and transformers); calls
 * made straight on the returned hub go through the `Api` it was created with.
 *
 * @throws Error when `settings` names a limit, time scale or text limit that
 *   differs from the one the bot's hub was created with: one bot has one
 *   budget, and two different views of it would break Telegram's limits.
 */
export function streamHubFor(api: Api, settings: HubSettings = {}): StreamHub {
  return botStreamingFor(api, settings).hub;
}

/**
 * Everything the plugin keeps for the bot that `api` belongs to (see
 * {@link streamHubFor}), created on first use.
 * @internal
 */
export function botStreamingFor(api: Api, settings: HubSettings = {}): BotStreaming {
  if (typeof api?.token !== "string" || typeof api.raw !== "object") {
    throw new TypeError("streamgram needs a grammY Api (bot.api or ctx.api)");
  }
  const existing = hubs.get(api.token);
  if (existing) {
    assertSameSettings(existing.settings, settings);
    return existing;
  }
  const hub = new StreamHub(grammyBotApi(api), hubOptions(settings, api.token));
  const created: BotStreaming = {
    hub,
    replies: new RecentReplies(undefined, () => hub.clock.now()),
    settings: comparable(settings),
  };
  hubs.set(api.token, created);
  return created;
}

function assertSameSettings(existing: ComparableSettings, wanted: HubSettings): void {
  const asked = comparable(wanted);
  const differs: string[] = [];
  if (wanted.limits !== undefined && asked.limits !== existing.limits) differs.push("limits");
  if (wanted.timeScale !== undefined && asked.timeScale !== existing.timeScale)
    differs.push("timeScale");
  if (wanted.textLimit !== undefined && asked.textLimit !== existing.textLimit)
    differs.push("textLimit");
  if (wanted.callTimeoutMs !== undefined && asked.callTimeoutMs !== existing.callTimeoutMs)
    differs.push("callTimeoutMs");
  if (
    wanted.redis !== undefined &&
    (asked.redis?.client !== existing.redis?.client ||
      asked.redis?.prefix !== existing.redis?.prefix)
  )
    differs.push("redis");
  if (differs.length > 0) {
    throw new Error(
      `streamgram: this bot already streams with other ${differs.join(", ")} ` +
        `(timeScale ${existing.timeScale}, textLimit ${existing.textLimit}); ` +
        "every streaming() and streamMessage() of one bot must use the same hub settings",
    );
  }
}

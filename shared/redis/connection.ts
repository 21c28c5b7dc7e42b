/**
 * What the core needs from a Redis client, and how it names its keys.
 *
 * The core takes the `ioredis` client the user made (`new Redis(url)`); it is
 * described here structurally, so the core imports nothing from `ioredis` and a
 * bot without Redis installs and runs without it.
 */

import { createHash } from "node:crypto";

/** The part of an `ioredis` client the core uses. */
export interface RedisClient {
  /** Run a Lua script (`EVAL`); `numKeys` of the arguments are keys. */
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** Run a Lua script already loaded (`EVALSHA`). */
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  /** A second connection with the same settings (a subscriber needs its own). */
  duplicate(): RedisClient;
  subscribe(...channels: string[]): Promise<unknown>;
  // ioredis types its listeners' arguments as `any`; anything narrower no longer accepts its client.
  // biome-ignore lint/suspicious/noExplicitAny: matches ioredis's own listener type
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: matches ioredis's own listener type
  off(event: string, listener: (...args: any[]) => void): unknown;
  quit(): Promise<unknown>;
  /** Close the connection at once, without waiting for replies (ioredis has it; `quit()` is used without). */
  disconnect?(): void;
  /** `ready` while connected; see ioredis. */
  readonly status: string;
}

/** Sharing a bot's streaming state with its other processes through Redis. */
export interface RedisSharing {
  /** An `ioredis` client (`new Redis(process.env.REDIS_URL)`); the app owns it and closes it. */
  client: RedisClient;
  /**
   * The bot's id (the number before the colon of its token, or `getMe().id`).
   * Keys are named by it, never by the token.
   */
  botId: number | string;
  /** Put before every key and channel, so several apps can share one Redis. Default "". */
  prefix?: string;
}

/**
 * The name of a key or channel of one bot: `<prefix>streamgram:<botId>:<name>`.
 * @throws TypeError when the bot id is not a plain number (a token would leak into Redis).
 */
export function redisKey(sharing: Pick<RedisSharing, "botId" | "prefix">, name: string): string {
  return `${sharing.prefix ?? ""}streamgram:${sharing.botId}:${name}`;
}

/**
 * Check a {@link RedisSharing} option when it is given.
 * @throws TypeError naming what is wrong.
 */
export function validateRedisSharing(sharing: unknown): asserts sharing is RedisSharing {
  if (typeof sharing !== "object" || sharing === null)
    throw new TypeError("redis must be an object { client, botId, prefix? }");
  const { client, botId, prefix } = sharing as Partial<RedisSharing>;
  if (typeof client?.eval !== "function" || typeof client.duplicate !== "function")
    throw new TypeError("redis.client must be an ioredis client (new Redis(url))");
  if (!/^\d{1,20}$/.test(String(botId)))
    throw new TypeError("redis.botId must be the bot's numeric id (never the token)");
  if (prefix !== undefined && typeof prefix !== "string")
    throw new TypeError("redis.prefix must be a string");
}

/** ioredis statuses of a client that lost its connection (or was closed). */
const LOST = new Set(["reconnecting", "close", "end"]);

/** A Lua script and its SHA-1, for `EVALSHA` with an `EVAL` fallback. */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

/** Prepare `source` for {@link runScript}. */
export function redisScript(source: string): RedisScript {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/** Raised when Redis cannot answer now (not connected, or slower than the deadline). */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

/**
 * Run `script` in one round trip: `EVALSHA`, and `EVAL` only when the server
 * does not know the script yet (after a restart or `SCRIPT FLUSH`).
 *
 * Fails fast with {@link RedisUnavailableError} when the client lost its
 * connection (a reconnecting ioredis client would queue the command until it
 * is back) or gives no answer within `timeoutMs`. A client still making its
 * first connection gets the command queued, within the same deadline.
 */
export async function runScript(
  client: RedisClient,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
  timeoutMs: number,
): Promise<unknown> {
  if (LOST.has(client.status)) throw new RedisUnavailableError(`Redis is ${client.status}`);
  const call = client.evalsha(script.sha, keys.length, ...keys, ...args).catch((error: unknown) => {
    if (!String((error as Error)?.message ?? error).includes("NOSCRIPT")) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedisUnavailableError(`Redis gave no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
    // A late answer or failure after the deadline is of no interest any more.
    call.catch(() => {});
  }
}

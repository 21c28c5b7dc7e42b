import type { Api } from "grammy";
import { existingStreamHub } from "./hubs.js";

/**
 * Shut a bot's streaming down gracefully, for SIGTERM, a deploy or after
 * `bot.stop()`: every running stream of the bot (in this process) ends now,
 * what arrived is persisted without cursor within `deadlineMs`, and new
 * streams are refused. With `redis`, a message still held at the deadline is
 * left in Redis for another process (or this one, restarted) to finish, and
 * this process's lease is given up; quit your Redis client after this resolves.
 * Resolves at once for a bot that never streamed. See `StreamHub.shutdown`.
 *
 * @example
 * process.once("SIGTERM", async () => {
 *   await bot.stop();
 *   await shutdownStreams(bot.api, 8_000);
 *   await redis.quit();
 * });
 * @throws RangeError for a deadline that is not a number >= 0.
 */
export async function shutdownStreams(api: Api, deadlineMs: number): Promise<void> {
  if (!(deadlineMs >= 0)) {
    throw new RangeError(`shutdownStreams needs a deadline in ms >= 0, got ${String(deadlineMs)}`);
  }
  await existingStreamHub(api)?.shutdown(deadlineMs);
}

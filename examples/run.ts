/**
 * How the example bots start from the command line: the settings from the
 * environment, long polling with updates handled concurrently, Ctrl+C or
 * SIGTERM to stop gracefully. Shared by the examples and the demo; in your own
 * bot these are a few lines.
 */
import { pathToFileURL } from "node:url";
import { type RunnerHandle, run } from "@grammyjs/runner";
import type { Bot, Context } from "grammy";
import {
  createRedisClient,
  type StreamingOptions,
  shutdownStreams,
  streamHubFor,
} from "../grammy-plugin/index.js";

/** How long a stop gives running replies to persist what arrived (a container gets 10 s after SIGTERM). */
const SHUTDOWN_DEADLINE_MS = 8_000;

/** Where an example bot and its model live; everything but the token has a default. */
export interface ExampleBotOptions {
  /** Bot API server, e.g. a local Bot API server or a test emulator. Default Telegram's. */
  apiRoot?: string;
  /** OpenAI-compatible endpoint. Default OpenAI's. */
  openaiBaseURL?: string;
  openaiApiKey?: string;
  /** Default gpt-4o-mini. */
  model?: string;
  /** Passed to `streaming()`: defaults for every reply, and hub settings such as `timeScale` for tests. */
  streaming?: StreamingOptions;
}

/**
 * Poll for updates and handle them concurrently. With `bot.start()` a stop
 * press would wait in line behind the very reply it is meant to stop; and
 * once `allowed_updates` is set, the stop button's update must be listed.
 */
// biome-ignore lint/suspicious/noExplicitAny: any bot, whatever its context flavor
export function runConcurrently(bot: Bot<any>): RunnerHandle {
  return run(bot, {
    runner: { fetch: { allowed_updates: ["message", "stopped_message_generation"] } },
  });
}

/**
 * When `moduleUrl` (the caller's `import.meta.url`) is the file Node was
 * started with, build the bot from `BOT_TOKEN`, `BOT_API_ROOT`,
 * `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL` and `REDIS_URL` (to run
 * several instances) and run it until Ctrl+C or SIGTERM, which end running
 * replies gracefully. Importing the example (as the tests do) starts nothing.
 */
export function runFromCommandLine<C extends Context>(
  moduleUrl: string,
  createBot: (token: string, options: ExampleBotOptions) => Bot<C>,
): void {
  const started = process.argv[1];
  if (started === undefined || moduleUrl !== pathToFileURL(started).href) return;
  const token = process.env.BOT_TOKEN;
  if (!token) throw new Error("Set BOT_TOKEN to your bot's token from @BotFather");
  // Several instances share their stop button and crash recovery through Redis.
  const redisClient = process.env.REDIS_URL ? createRedisClient(process.env.REDIS_URL) : undefined;
  const redis = redisClient && { client: redisClient, botId: Number(token.split(":")[0]) };
  const bot = createBot(token, {
    apiRoot: process.env.BOT_API_ROOT,
    openaiApiKey: process.env.OPENAI_API_KEY,
    openaiBaseURL: process.env.OPENAI_BASE_URL,
    model: process.env.OPENAI_MODEL,
    streaming: redis && { redis },
  });
  // With Redis, take the lease now: this instance finishes replies a crashed one left.
  if (redis) streamHubFor(bot.api, { redis });
  const runner = runConcurrently(bot);
  const stop = async () => {
    // Stop taking updates, and end running replies: what arrived is kept (with Redis,
    // what cannot be sent in time is left to the other instances).
    await Promise.all([
      runner.isRunning() ? runner.stop() : undefined,
      shutdownStreams(bot.api, SHUTDOWN_DEADLINE_MS),
    ]);
    await redisClient?.quit();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  console.log("The bot is streaming; press Ctrl+C to stop.");
}

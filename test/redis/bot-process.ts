/**
 * One process of a bot that runs several, as a real child process: a grammY
 * bot with the streamgram plugin and a Redis client, talking HTTP to the
 * emulator. Updates arrive over IPC (as a webhook load balancer would hand
 * them to one replica); the "model" types the words the user's message asks
 * for. Started by `multi-process.ts` with `tsx`.
 *
 * The user's message is JSON: `{ "words": 400, "delayMs": 20 }`.
 * To the parent: `{ type: "ready" }`, `{ type: "result", chatId, aborted, text }`,
 * `{ type: "model-aborted", chatId, at }` (Date.now() when the model saw the abort),
 * `{ type: "shutdown-done", at }`.
 * From the parent: `{ type: "update", update }`. SIGTERM: graceful shutdown
 * within `SHUTDOWN_MS`, then exit 0.
 */
import { Bot, type Context } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { Redis } from "ioredis";
import {
  type HubSettings,
  type StreamFlavor,
  shutdownStreams,
  streamHubFor,
  streaming,
} from "../../grammy-plugin/index.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`bot-process: ${name} is not set`);
  return value;
};

const token = env("BOT_TOKEN");
const botId = Number(token.split(":")[0]);
const timeScale = Number(env("TIME_SCALE"));
const shutdownMs = Number(process.env.SHUTDOWN_MS ?? 2000);
const redis = new Redis(env("REDIS_URL"), { maxRetriesPerRequest: 2 });

const send = (message: Record<string, unknown>) => process.send?.(message);

const hubSettings: HubSettings = { timeScale, redis: { client: redis, botId } };
const bot = new Bot<StreamFlavor<Context>>(token, {
  client: { apiRoot: env("API_ROOT") },
  botInfo: {
    id: botId,
    is_bot: true,
    first_name: "Replica",
    username: `replica_${botId}_bot`,
  } as UserFromGetMe,
});
bot.use(streaming({ ...hubSettings, format: "plain", canStop: true }));

async function* model(chatId: number, words: number, delayMs: number, signal: AbortSignal) {
  signal.addEventListener("abort", () => send({ type: "model-aborted", chatId, at: Date.now() }), {
    once: true,
  });
  for (let i = 0; i < words && !signal.aborted; i++) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    yield `w${i} `;
  }
}

bot.on("message:text", async (ctx) => {
  const spec = JSON.parse(ctx.msg.text) as { words: number; delayMs: number };
  const chatId = ctx.chat.id;
  try {
    const result = await ctx.streamReply((signal) =>
      model(chatId, spec.words, spec.delayMs, signal),
    );
    send({
      type: "result",
      chatId,
      aborted: result.aborted,
      text: result.messages.map((m) => m.text ?? "").join("\n"),
    });
  } catch (error) {
    send({ type: "result", chatId, error: String((error as Error).message) });
  }
});

// Create the hub now, not at the first update: this process takes its lease
// and looks for orphaned messages from the start.
const hub = streamHubFor(bot.api, hubSettings);

process.on("message", (message: { type: string; update?: Update }) => {
  if (message.type === "update" && message.update) {
    // Concurrently, as @grammyjs/runner or a webhook would.
    void bot.handleUpdate(message.update).catch((error) => {
      send({ type: "error", error: String(error) });
    });
  }
});

process.once("SIGTERM", async () => {
  await shutdownStreams(bot.api, shutdownMs);
  send({ type: "shutdown-done", at: Date.now() });
  await redis.quit();
  process.disconnect?.();
  process.exit(0);
});

await hub.ready;
send({ type: "ready" });

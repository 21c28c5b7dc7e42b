/**
 * A Telegram bot that answers every text message with an OpenAI model,
 * streamed live into the chat by streamgram.
 *
 *   npm install grammy @grammyjs/runner streamgram openai
 *   BOT_TOKEN=... OPENAI_API_KEY=... npx tsx examples/openai-bot.ts
 *
 * Optional: BOT_API_ROOT (a local Bot API server), OPENAI_MODEL (default
 * gpt-4o-mini) and OPENAI_BASE_URL (any OpenAI-compatible server: a proxy, a
 * local model server).
 *
 * In your own project, import from "streamgram" instead of the relative path.
 */
import { pathToFileURL } from "node:url";
import { run, sequentialize } from "@grammyjs/runner";
import { Bot, type Context } from "grammy";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { type StreamFlavor, type StreamingOptions, streaming } from "../grammy-plugin/index.js";

/** How much of the conversation the model sees: the last few turns are plenty for a demo. */
const HISTORY_LENGTH = 20;

/** Where the bot and the model live; everything but the token has a default. */
export interface OpenAIBotOptions {
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
 * Build the bot without starting it, so tests can drive it against an
 * emulator. Every text message is answered by the model, streamed into the
 * chat; the user's stop button stops the model (its AbortSignal cancels the
 * HTTP request).
 */
export function createBot(
  token: string,
  options: OpenAIBotOptions = {},
): Bot<StreamFlavor<Context>> {
  const bot = new Bot<StreamFlavor<Context>>(
    token,
    options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {},
  );
  const openai = new OpenAI({ apiKey: options.openaiApiKey, baseURL: options.openaiBaseURL });
  const model = options.model ?? "gpt-4o-mini";
  // One history per chat, in memory: enough for a demo, use a database in production.
  const histories = new Map<number, ChatCompletionMessageParam[]>();

  bot.use(streaming({ canStop: true, ...options.streaming }));
  // One reply at a time per chat, so the history stays in order. It comes after streaming():
  // a stop press is then handled at once, not queued behind the reply it stops.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));

  bot.command("start", (ctx) => ctx.reply("Ask me anything."));
  bot.command("reset", async (ctx) => {
    histories.delete(ctx.chat.id);
    await ctx.reply("Conversation cleared.");
  });

  bot.on("message:text", async (ctx) => {
    const history = histories.get(ctx.chat.id) ?? [];
    history.push({ role: "user", content: ctx.message.text });
    const result = await ctx.streamReply(
      // A factory: streamgram hands it the stream's AbortSignal, so the stop button stops the model.
      (signal) =>
        openai.chat.completions.create(
          {
            model,
            messages: [
              { role: "system", content: "You are a helpful assistant. Answer in Markdown." },
              ...history,
            ],
            stream: true,
          },
          { signal },
        ),
      { replyTo: ctx.chat.type !== "private" },
    );
    // Remember what the user was shown; a stopped answer is remembered as far as it got.
    if (result.text) history.push({ role: "assistant", content: result.text });
    histories.set(ctx.chat.id, history.slice(-HISTORY_LENGTH));
  });

  bot.catch((error) => {
    // streamgram's errors never contain the token, so they are safe to log.
    console.error("update failed:", error.error);
  });
  return bot;
}

/** Run with `tsx examples/openai-bot.ts`; importing this file does not start the bot. */
function isRunDirectly(): boolean {
  return process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
}

if (isRunDirectly()) {
  const token = process.env.BOT_TOKEN;
  if (!token) throw new Error("Set BOT_TOKEN to your bot's token from @BotFather");
  const bot = createBot(token, {
    apiRoot: process.env.BOT_API_ROOT,
    openaiApiKey: process.env.OPENAI_API_KEY,
    openaiBaseURL: process.env.OPENAI_BASE_URL,
    model: process.env.OPENAI_MODEL,
  });
  // The runner handles updates concurrently: with bot.start(), a stop press would wait
  // in line behind the very reply it is meant to stop. The stop button's update must be
  // listed explicitly once allowed_updates is set.
  const runner = run(bot, {
    runner: { fetch: { allowed_updates: ["message", "stopped_message_generation"] } },
  });
  const stop = () => {
    if (runner.isRunning()) void runner.stop();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  console.log("The bot is streaming; press Ctrl+C to stop.");
}

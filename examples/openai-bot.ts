/**
 * A Telegram bot that answers every text message with an OpenAI model,
 * streamed live into the chat by streamgram.
 *
 *   BOT_TOKEN=... OPENAI_API_KEY=... npx tsx examples/openai-bot.ts
 *
 * Optional: OPENAI_MODEL (default gpt-4o-mini) and OPENAI_BASE_URL (any
 * OpenAI-compatible server: a proxy, a local model server).
 *
 * In your own project, import from "streamgram" instead of the relative path.
 */
import { pathToFileURL } from "node:url";
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
    openaiApiKey: process.env.OPENAI_API_KEY,
    openaiBaseURL: process.env.OPENAI_BASE_URL,
    model: process.env.OPENAI_MODEL,
  });
  process.once("SIGINT", () => bot.stop());
  process.once("SIGTERM", () => bot.stop());
  // The stop button's update must be allowed explicitly once allowed_updates is set.
  await bot.start({
    allowed_updates: ["message", "stopped_message_generation"],
    onStart: (me) => console.log(`@${me.username} is streaming`),
  });
}

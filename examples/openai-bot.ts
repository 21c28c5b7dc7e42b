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
import { sequentialize } from "@grammyjs/runner";
import { Bot, type Context } from "grammy";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { type StreamFlavor, streaming } from "../grammy-plugin/index.js";
import { type ExampleBotOptions, runFromCommandLine } from "./run.js";

/** How much of the conversation the model sees: the last few turns are plenty for a demo. */
const HISTORY_LENGTH = 20;

/**
 * Build the bot without starting it, so tests can drive it against an
 * emulator. Every text message is answered by the model, streamed into the
 * chat; the user's stop button stops the model (its AbortSignal cancels the
 * HTTP request).
 */
export function createBot(
  token: string,
  options: ExampleBotOptions = {},
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

runFromCommandLine(import.meta.url, createBot);

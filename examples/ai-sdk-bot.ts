/**
 * A Telegram bot that answers with the AI SDK's `streamText`, streamed live
 * into the chat by streamgram. Hand `ctx.streamReply` the `streamText` result
 * as it is: streamgram reads its `fullStream` (text, reasoning, tool steps).
 *
 *   npm install grammy @grammyjs/runner streamgram ai @ai-sdk/openai
 *   BOT_TOKEN=... OPENAI_API_KEY=... npx tsx examples/ai-sdk-bot.ts
 *
 * Optional: BOT_API_ROOT (a local Bot API server), OPENAI_MODEL (default
 * gpt-4o-mini) and OPENAI_BASE_URL. Any AI SDK provider works the same way;
 * swap `createOpenAI` for yours.
 *
 * In your own project, import from "streamgram" instead of the relative path.
 */
import { pathToFileURL } from "node:url";
import { createOpenAI } from "@ai-sdk/openai";
import { run } from "@grammyjs/runner";
import { streamText } from "ai";
import { Bot, type Context } from "grammy";
import { type StreamFlavor, type StreamingOptions, streaming } from "../grammy-plugin/index.js";

/** Where the bot and the model live; everything but the token has a default. */
export interface AiSdkBotOptions {
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
 * Build the bot without starting it. Every text message is answered by the
 * model; in groups the answer quotes the question. The reply shows the
 * model's reasoning (if it sends any) as a quote above the answer.
 */
export function createBot(
  token: string,
  options: AiSdkBotOptions = {},
): Bot<StreamFlavor<Context>> {
  const bot = new Bot<StreamFlavor<Context>>(
    token,
    options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {},
  );
  const openai = createOpenAI({ apiKey: options.openaiApiKey, baseURL: options.openaiBaseURL });
  const model = openai(options.model ?? "gpt-4o-mini");

  bot.use(streaming({ canStop: true, showReasoning: true, ...options.streaming }));

  bot.on("message:text", async (ctx) => {
    await ctx.streamReply(
      (signal) =>
        streamText({
          model,
          system: "You are a helpful assistant. Answer in Markdown.",
          prompt: ctx.message.text,
          // The stop button aborts this signal; the AI SDK then cancels the request.
          abortSignal: signal,
        }),
      { replyTo: ctx.chat.type !== "private" },
    );
  });

  bot.catch((error) => {
    console.error("update failed:", error.error);
  });
  return bot;
}

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

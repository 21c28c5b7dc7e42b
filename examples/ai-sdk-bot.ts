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
import { createOpenAI } from "@ai-sdk/openai";
import { streamText } from "ai";
import { Bot, type Context } from "grammy";
import { type StreamFlavor, streaming } from "../grammy-plugin/index.js";
import { type ExampleBotOptions, runFromCommandLine } from "./run.js";

/**
 * Build the bot without starting it. Every text message is answered by the
 * model; in groups the answer quotes the question. The reply shows the
 * model's reasoning (if it sends any) as a quote above the answer.
 */
export function createBot(
  token: string,
  options: ExampleBotOptions = {},
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

runFromCommandLine(import.meta.url, createBot);

/**
 * A Telegram bot whose model calls tools, with the `openai` SDK's Chat
 * Completions API. The answer is streamed live: text before a tool call stays
 * in its own message, and the text after the tool's result continues in a new
 * message below, so nothing the user already read moves.
 *
 *   npm install grammy @grammyjs/runner streamgram openai
 *   BOT_TOKEN=... OPENAI_API_KEY=... npx tsx examples/tool-calling-bot.ts
 *
 * Optional: BOT_API_ROOT (a local Bot API server), OPENAI_MODEL (default
 * gpt-4o-mini) and OPENAI_BASE_URL.
 *
 * In your own project, import from "streamgram" instead of the relative path.
 */
import { Bot, type Context } from "grammy";
import OpenAI from "openai";
import type {
  ChatCompletionChunk,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { type StreamFlavor, streaming } from "../grammy-plugin/index.js";
import { type ExampleBotOptions, runFromCommandLine } from "./run.js";

/** A model that keeps calling tools is stopped after this many rounds. */
const MAX_TOOL_ROUNDS = 5;

/** The tools the model may call: small, local and real. */
export const tools: ChatCompletionFunctionTool[] = [
  {
    type: "function",
    function: {
      name: "current_time",
      description: "The current date and time in an IANA time zone, e.g. Europe/Berlin",
      parameters: {
        type: "object",
        properties: { timeZone: { type: "string" } },
        required: ["timeZone"],
      },
    },
  },
  {
    type: "function",
    function: {
      name: "random_integer",
      description: "A random whole number from min to max, both included",
      parameters: {
        type: "object",
        properties: { min: { type: "integer" }, max: { type: "integer" } },
        required: ["min", "max"],
      },
    },
  },
];

/**
 * Run one tool call. Bad arguments become an error text for the model to
 * read, never an exception that would end the answer.
 */
export function runTool(name: string, argumentsJson: string): string {
  let args: Record<string, unknown>;
  try {
    args = JSON.parse(argumentsJson || "{}") as Record<string, unknown>;
  } catch {
    return `error: the arguments are not valid JSON: ${argumentsJson}`;
  }
  try {
    if (name === "current_time") {
      return new Date().toLocaleString("en-GB", {
        timeZone: String(args.timeZone),
        timeZoneName: "short",
      });
    }
    if (name === "random_integer") {
      const min = Math.ceil(Number(args.min));
      const max = Math.floor(Number(args.max));
      if (!Number.isFinite(min) || !Number.isFinite(max) || min > max)
        return "error: need whole numbers min <= max";
      return String(min + Math.floor(Math.random() * (max - min + 1)));
    }
    return `error: there is no tool called ${name}`;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** The tool calls of one streamed response, assembled from their deltas. */
interface PendingToolCall {
  id: string;
  name: string;
  arguments: string;
}

function collectToolCalls(chunk: ChatCompletionChunk, calls: PendingToolCall[]): void {
  for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
    const call = calls[delta.index] ?? { id: "", name: "", arguments: "" };
    calls[delta.index] = call;
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.name += delta.function.name;
    if (delta.function?.arguments) call.arguments += delta.function.arguments;
  }
}

/**
 * The whole answer as one stream of Chat Completions chunks: request, run
 * the tools the model asked for, request again with their results, until the
 * model answers without a tool call. streamgram recognises the tool-call
 * chunks and starts a new message after them.
 */
export async function* answerWithTools(
  openai: OpenAI,
  model: string,
  messages: ChatCompletionMessageParam[],
  signal: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
    const stream = await openai.chat.completions.create(
      { model, messages, tools, stream: true },
      { signal },
    );
    let text = "";
    const calls: PendingToolCall[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      collectToolCalls(chunk, calls);
      yield chunk;
    }
    if (calls.length === 0) return;
    messages.push({
      role: "assistant",
      content: text || null,
      tool_calls: calls.map((call) => ({
        id: call.id,
        type: "function",
        function: { name: call.name, arguments: call.arguments },
      })),
    });
    for (const call of calls) {
      messages.push({
        role: "tool",
        tool_call_id: call.id,
        content: runTool(call.name, call.arguments),
      });
    }
  }
}

/** Build the bot without starting it. Every text message gets an answer that may use the tools. */
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

  bot.use(streaming({ canStop: true, ...options.streaming }));

  bot.on("message:text", async (ctx) => {
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: "You are a helpful assistant with tools. Answer in Markdown." },
      { role: "user", content: ctx.message.text },
    ];
    await ctx.streamReply((signal) => answerWithTools(openai, model, messages, signal));
  });

  bot.catch((error) => {
    console.error("update failed:", error.error);
  });
  return bot;
}

runFromCommandLine(import.meta.url, createBot);

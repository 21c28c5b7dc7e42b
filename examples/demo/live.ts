/**
 * `npm run demo` with `BOT_TOKEN`: the OpenAI example bot against the real
 * Telegram, with a real model, or with the demo's scripted model served by a
 * local OpenAI-compatible server when no `OPENAI_API_KEY` is given.
 */

import { run } from "@grammyjs/runner";
import { redactToken } from "../../shared/index.js";
import { type OpenAIScriptStep, startOpenAIServer } from "../../test/support/openai-server.js";
import { createBot } from "../openai-bot.js";
import { type DemoScript, defaultScript } from "./script.js";

/** Where the model is; all optional. */
export interface LiveOptions {
  openaiApiKey?: string;
  openaiBaseURL?: string;
  model?: string;
}

/**
 * The demo script as an OpenAI-compatible server plays it: tokens of a few
 * characters at 60-100 characters per second, the tool call as a function
 * call chunk.
 */
export function openAIScript(script: DemoScript): OpenAIScriptStep[] {
  const steps: OpenAIScriptStep[] = [];
  for (const step of script.steps) {
    if ("pause" in step) steps.push({ delay: step.pause });
    else if ("toolCall" in step)
      steps.push({ toolCall: { name: step.toolCall, arguments: "{}" } }, { delay: step.ms });
    else {
      for (let i = 0; i < step.say.length; i += 4) {
        steps.push(
          { text: step.say.slice(i, i + 4) },
          { delay: 40 + Math.round(Math.random() * 25) },
        );
      }
    }
  }
  return steps;
}

/** Run the bot until Ctrl+C, printing what it does (never the token). */
export async function runLiveBot(token: string, options: LiveOptions): Promise<void> {
  const scripted = options.openaiApiKey
    ? undefined
    : await startOpenAIServer(openAIScript(defaultScript()));
  const bot = createBot(token, {
    openaiApiKey: options.openaiApiKey ?? "scripted-model",
    openaiBaseURL: scripted?.baseURL ?? options.openaiBaseURL,
    model: options.model,
  });
  try {
    await bot.init();
  } catch (error) {
    await scripted?.close();
    throw new Error(
      `could not connect to Telegram with BOT_TOKEN: ${redactToken(String((error as Error)?.message ?? error))}`,
    );
  }
  const model = scripted
    ? "the demo's scripted model (set OPENAI_API_KEY for a real one)"
    : `${options.model ?? "gpt-4o-mini"} at ${options.openaiBaseURL ?? "OpenAI"}`;
  console.log(`Connected to Telegram as @${bot.botInfo.username}. Answers come from ${model}.`);
  console.log(`Send the bot a message in Telegram and watch it stream. Press Ctrl+C to stop.`);
  // Report what the bot does: each message it sends, with the calls made so far.
  const calls: Record<string, number> = {};
  let tooManyRequests = 0;
  bot.api.config.use(async (prev, method, payload, signal) => {
    const reply = await prev(method, payload, signal);
    calls[method] = (calls[method] ?? 0) + 1;
    if (!reply.ok && reply.error_code === 429) tooManyRequests++;
    if (reply.ok && method === "sendMessage") {
      const length = String((payload as { text?: unknown }).text ?? "").length;
      const so = Object.entries(calls)
        .filter(([m]) => m !== "getUpdates")
        .map(([m, n]) => `${m} ${n}`)
        .join(", ");
      console.log(
        `sent a message of ${length} characters; calls so far: ${so}; 429s: ${tooManyRequests}`,
      );
    }
    return reply;
  });
  const runner = run(bot, {
    runner: { fetch: { allowed_updates: ["message", "stopped_message_generation"] } },
  });
  const stop = () => {
    console.log("stopping…");
    void (async () => {
      if (runner.isRunning()) await runner.stop();
      await scripted?.close();
      process.exit(0);
    })();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/**
 * `npm run demo` with `BOT_TOKEN`: the OpenAI example bot against the real
 * Telegram, with a real model, or with the demo's scripted model served by a
 * local OpenAI-compatible server when no `OPENAI_API_KEY` is given.
 */

import { redactToken } from "../../shared/index.js";
import { type OpenAIScriptStep, startOpenAIServer } from "../../test/support/openai-server.js";
import { createBot } from "../openai-bot.js";
import { runConcurrently } from "../run.js";
import { type DemoScript, defaultScript } from "./script.js";

/** Where the bot and the model are; all optional. */
export interface LiveOptions {
  /** Bot API server; default Telegram's. For a local Bot API server, or an emulator in tests. */
  apiRoot?: string;
  openaiApiKey?: string;
  openaiBaseURL?: string;
  model?: string;
  /** Where the bot reports what it does. Default `console.log`. Never given the token. */
  log?: (line: string) => void;
  /** What the scripted model says when there is no OpenAI key. Default {@link defaultScript}. */
  script?: DemoScript;
}

/** A running live bot. */
export interface LiveBot {
  /** The bot's username, from `getMe`. */
  username: string;
  /** Stop polling and the scripted model's server. */
  stop(): Promise<void>;
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

/**
 * Start the OpenAI example bot on `token`, with the scripted model when no
 * OpenAI key is given, and report what it does through `options.log`: the
 * bot it runs as, the model it asks, and every message it sends with the
 * calls made so far. The token is never printed; errors are redacted.
 * @throws Error (token redacted) when Telegram refuses the token.
 */
export async function startLiveBot(token: string, options: LiveOptions = {}): Promise<LiveBot> {
  const log = options.log ?? ((line: string) => console.log(line));
  const scripted = options.openaiApiKey
    ? undefined
    : await startOpenAIServer(openAIScript(options.script ?? defaultScript()));
  const bot = createBot(token, {
    apiRoot: options.apiRoot,
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
  log(`Connected to Telegram as @${bot.botInfo.username}. Answers come from ${model}.`);
  // Report each message the bot sends, with the calls made so far.
  const calls: Record<string, number> = {};
  let tooManyRequests = 0;
  bot.api.config.use(async (prev, method, payload, signal) => {
    const reply = await prev(method, payload, signal);
    calls[method] = (calls[method] ?? 0) + 1;
    if (!reply.ok && reply.error_code === 429) tooManyRequests++;
    if (reply.ok && method === "sendMessage") {
      const length = String((payload as { text?: unknown }).text ?? "").length;
      const counts = Object.entries(calls)
        .filter(([m]) => m !== "getUpdates")
        .map(([m, n]) => `${m} ${n}`)
        .join(", ");
      log(
        `sent a message of ${length} characters; calls so far: ${counts}; 429s: ${tooManyRequests}`,
      );
    }
    return reply;
  });
  const runner = runConcurrently(bot);
  return {
    username: bot.botInfo.username,
    async stop() {
      if (runner.isRunning()) await runner.stop();
      await scripted?.close();
    },
  };
}

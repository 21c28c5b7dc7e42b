/**
 * `npm run demo`: watch an LLM answer stream into a Telegram chat.
 *
 * Without `BOT_TOKEN`: everything runs on this machine, no network needed. A
 * local Telegram emulator (enforcing Telegram's limits), a grammY bot using
 * streamgram, and a scripted model; open the printed URL and send a message.
 * `PORT` picks the page's port (default 3000).
 *
 * With `BOT_TOKEN`: the OpenAI example bot (`examples/openai-bot.ts`) runs
 * against the real Telegram. With `OPENAI_API_KEY` (and optionally
 * `OPENAI_BASE_URL`, `OPENAI_MODEL`) it asks a real model; without, it asks
 * the demo's scripted model through a local OpenAI-compatible server.
 * `BOT_API_ROOT` points it at a local Bot API server instead of Telegram's.
 */

import { stopWithParent } from "../../test/emulator/parent.js";
import { startLiveBot } from "./live.js";
import { startDemo } from "./server.js";

async function main(): Promise<void> {
  if (process.env.BOT_TOKEN) {
    const bot = await startLiveBot(process.env.BOT_TOKEN, {
      apiRoot: process.env.BOT_API_ROOT,
      openaiApiKey: process.env.OPENAI_API_KEY,
      openaiBaseURL: process.env.OPENAI_BASE_URL,
      model: process.env.OPENAI_MODEL,
    });
    console.log(
      `Send @${bot.username} a message in Telegram and watch it stream. Press Ctrl+C to stop.`,
    );
    stopOnSignal(() => bot.stop());
    return;
  }
  const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`PORT must be a port number, got ${process.env.PORT}`);
  }
  const demo = await startDemo({ port, log: (line) => console.log(line) });
  console.log(
    "streamgram demo: a local Telegram emulator with Telegram's rate limits, a grammY bot, a scripted model.",
  );
  console.log(`Open ${demo.url} and send a message. Press Ctrl+C to stop.`);
  stopOnSignal(() => demo.close());
}

/**
 * On Ctrl+C or SIGTERM, or when the process that started the demo goes away
 * (npm killed by a process manager), run `stop` and exit.
 */
function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    console.log("stopping…");
    // A stop that hangs must not keep the port: exit after a few seconds regardless.
    setTimeout(() => process.exit(0), 5000).unref();
    void stop().then(() => process.exit(0));
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  stopWithParent(handler);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

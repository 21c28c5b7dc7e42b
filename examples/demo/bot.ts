/**
 * The demo's bot: an ordinary grammY bot with the streamgram plugin,
 * answering every text message with the scripted model.
 */

import { sequentialize } from "@grammyjs/runner";
import { Bot, type Context } from "grammy";
import { type StreamFlavor, streaming } from "../../grammy-plugin/index.js";
import type { LagMeter } from "./lag-meter.js";
import { type DemoScript, playScript } from "./script.js";

/** Options of {@link createDemoBot}. */
export interface DemoBotOptions {
  /** The emulator's (or any Bot API server's) root URL. */
  apiRoot: string;
  token: string;
  /** Scales the model's pace and the plugin's rate budget, as the emulator's limits are scaled. */
  timeScale: number;
  script: DemoScript;
  /** Measures each reply's lag for the page. */
  meter: LagMeter;
  /** Where failures are reported. */
  log: (line: string) => void;
}

/**
 * A bot that answers every text message by streaming `script` with
 * `ctx.streamReply` (Markdown, stop button on), one reply at a time per
 * chat. Start it with `@grammyjs/runner`'s `run()`, so a press of the stop
 * button is handled while the reply it stops is still streaming.
 */
export function createDemoBot(options: DemoBotOptions): Bot<StreamFlavor<Context>> {
  const bot = new Bot<StreamFlavor<Context>>(options.token, {
    client: { apiRoot: options.apiRoot },
  });
  bot.use(streaming({ canStop: true, timeScale: options.timeScale }));
  // After streaming(): a stop press reaches the plugin at once instead of queueing behind the reply.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  bot.on("message:text", async (ctx) => {
    const reply = options.meter.begin(ctx.chat.id);
    try {
      const result = await ctx.streamReply((signal) =>
        reply.track(playScript(options.script, { timeScale: options.timeScale, signal })),
      );
      const split =
        result.messages.length === 1 ? "1 message" : `${result.messages.length} messages`;
      options.log(
        `reply in chat ${ctx.chat.id}: ${result.text.length} characters in ${split} by ${result.transport}` +
          `${result.aborted ? ", stopped by the user" : ""}; ${Object.values(result.stats.calls).reduce((a, b) => a + b, 0)} calls, ` +
          `${result.stats.tooManyRequests} 429s`,
      );
    } finally {
      reply.finished = true;
    }
  });
  bot.catch((error) => options.log(`update failed: ${String(error.error)}`));
  return bot;
}

#!/usr/bin/env node
/**
 * `npx streamgram-emulator`: the Telegram Bot API emulator as a command, for
 * testing a bot of any kind against Telegram's rate limits without Telegram.
 * Prints the API root and how to use it, then runs until Ctrl+C or SIGTERM
 * (or until the process that started it goes away).
 *
 *   streamgram-emulator [--port 8081] [--time-scale 1] [--unlimited]
 */

import { parseArgs } from "node:util";
import { TEST_TOKEN } from "./call-api.js";
import { CONTROL_PREFIX } from "./control.js";
import { stopWithParent } from "./parent.js";
import { startEmulator } from "./server.js";

const USAGE = `Usage: streamgram-emulator [--port 8081] [--time-scale 1] [--unlimited]

  --port N          port on 127.0.0.1 (0: any free port; default 8081, the local Bot API server's)
  --time-scale X    multiply every rate window and penalty by X (0.05: 20 times faster)
  --unlimited       no rate limits at all`;

/** The options given on the command line, checked. */
function parseOptions(argv: string[]): { port: number; timeScale: number; unlimited: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "8081" },
      "time-scale": { type: "string", default: "1" },
      unlimited: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    throw new RangeError(`--port must be a whole number 0-65535, got ${values.port}`);
  }
  const timeScale = Number(values["time-scale"]);
  if (!(Number.isFinite(timeScale) && timeScale > 0)) {
    throw new RangeError(`--time-scale must be a positive number, got ${values["time-scale"]}`);
  }
  return { port, timeScale, unlimited: values.unlimited };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const emulator = await startEmulator(options);
  const root = emulator.apiRoot;
  const control = `${root}${CONTROL_PREFIX}`;
  console.log(
    [
      `Telegram Bot API emulator listening. API root: ${root}`,
      "",
      `  Point your bot at it:  new Bot(token, { client: { apiRoot: "${root}" } })  (grammY)`,
      `                         or BOT_API_ROOT=${root} for bots that read it`,
      `  Token: any <digits>:<secret>, e.g. ${TEST_TOKEN}; it never leaves this machine.`,
      "  Limits: Telegram's" +
        (options.unlimited ? " (off: --unlimited)" : "") +
        (options.timeScale !== 1 ? `, time scaled by ${options.timeScale}` : "") +
        ".",
      "",
      "  A user writes to the bot (chat ids > 0 are private chats, < 0 groups):",
      `    curl -s ${control}messages -H 'content-type: application/json' -d '{"chat_id":42,"text":"Hello"}'`,
      "  What the user of chat 42 sees now, and every version of every message:",
      `    curl -s ${control}chats/42`,
      `  Also: POST ${CONTROL_PREFIX}stop {chat_id, draft_id}, POST ${CONTROL_PREFIX}updates {...}, GET ${CONTROL_PREFIX}stats`,
      "",
      "Press Ctrl+C to stop.",
    ].join("\n"),
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void emulator.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  stopWithParent(stop);
}

main().catch((error: unknown) => {
  console.error(`streamgram-emulator: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof TypeError || error instanceof RangeError) console.error(USAGE);
  process.exit(2);
});

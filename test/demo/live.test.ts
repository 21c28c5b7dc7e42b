/**
 * `npm run demo` with `BOT_TOKEN`: the OpenAI example bot with the scripted
 * model, here pointed at the emulator (`BOT_API_ROOT`) instead of Telegram.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { type LiveBot, startLiveBot } from "../../examples/demo/live.js";
import type { DemoScript } from "../../examples/demo/script.js";
import { type Emulator, startEmulator } from "../emulator/index.js";

const SECRET = "live-demo-secret_123";
const TOKEN = `5151:${SECRET}`;
const SCRIPT: DemoScript = {
  steps: [{ say: "Hello from the **scripted** model. It streams a short answer, then stops." }],
};

let emulator: Emulator | undefined;
let bot: LiveBot | undefined;

afterEach(async () => {
  await bot?.stop();
  await emulator?.close();
  bot = undefined;
  emulator = undefined;
});

describe("npm run demo with BOT_TOKEN", () => {
  it("answers a user with the scripted model and reports what it does, never the token", async () => {
    emulator = await startEmulator();
    const lines: string[] = [];
    bot = await startLiveBot(TOKEN, {
      apiRoot: emulator.apiRoot,
      script: SCRIPT,
      log: (l) => lines.push(l),
    });
    emulator.sendUserMessage(777, "hi");
    const final = await emulator.waitForCall((c) => c.method === "sendMessage" && c.ok, 20_000);
    expect(final.params.text).toBe(
      "Hello from the scripted model. It streams a short answer, then stops.",
    );
    expect(lines[0]).toMatch(
      /^Connected to Telegram as @\w+\. Answers come from the demo's scripted model/,
    );
    // The bot hears the reply a moment after the emulator sends it.
    await vi.waitFor(() =>
      expect(
        lines.some((l) => l.startsWith("sent a message of 69 characters; calls so far:")),
      ).toBe(true),
    );
    for (const line of lines) expect(line).not.toContain(SECRET);
  });

  it("fails with a clear error that does not contain the token when Telegram refuses it", async () => {
    emulator = await startEmulator();
    // The emulator answers 404 to a token that is not `<digits>:<secret>`, as Telegram does.
    const badToken = `not-a-token:${SECRET}`;
    const started = startLiveBot(badToken, {
      apiRoot: emulator.apiRoot,
      script: SCRIPT,
      log: () => {},
    });
    await expect(started).rejects.toThrow(/^could not connect to Telegram with BOT_TOKEN/);
    await expect(started).rejects.not.toThrow(SECRET);
  });
});

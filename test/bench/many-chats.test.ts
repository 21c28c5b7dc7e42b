/**
 * The bench's many-chats scenario, small: one bot answering 50 private chats
 * at once. streamgram shares the bot's budget (30 calls per second) between
 * them, so the users must get every character without a single 429.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENDERS } from "./contenders/index.js";
import { type EmulatorHost, hostEmulator } from "./emulator-host.js";
import { type CellFigures, runScenarios } from "./run.js";

const TIME_SCALE = 0.2;
const CHATS = 50;

let host: EmulatorHost;
let cells: CellFigures[];

beforeAll(async () => {
  host = await hostEmulator({ timeScale: TIME_SCALE }, "worker");
  cells = await runScenarios({
    host,
    scenarios: [
      {
        name: "many chats",
        chatType: "private",
        chats: CHATS,
        answer: { size: 300, charsPerSecond: 100 },
        quick: true,
      },
    ],
    contenders: CONTENDERS.filter((c) => c.name === "streamgram (auto)"),
    timeScale: TIME_SCALE,
    graceMs: () => 60_000,
  });
}, 60_000);

afterAll(async () => {
  await host?.close();
});

describe("npm run bench: one bot, many chats", () => {
  it("delivers every answer with streamgram, without a 429", () => {
    const [figures] = cells;
    expect(figures?.chats).toBe(CHATS);
    expect(figures?.error).toBeUndefined();
    expect(figures?.unfinished).toBe(0);
    expect(figures?.lost).toBe(0);
    expect(figures?.duplicated).toBe(0);
    expect(figures?.tooManyRequests).toBe(0);
    expect(figures?.messagesPerChat).toBe(1);
  });
});

/**
 * Several bot processes with one token, as real child processes, against the
 * emulator: with Redis they keep to the bot's limits together (0 x 429,
 * nothing lost) where local budgets alone draw 429s; and Redis killed and
 * restarted mid-stream fails no stream, loses nothing and draws no 429.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../emulator/index.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";
import type { BotJob, BotReport } from "./fixtures/bot-process.js";
import { runBotProcess } from "./processes.js";

const TIME_SCALE = 0.05;
const PROCESSES = 3;
const GROUP = -500;

let server: RedisServer;
let emulator: Emulator;
let tokenSeq = 0;

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await server?.stop();
});

afterEach(async () => {
  await emulator?.close();
});

/** A plain answer of about `length` characters that names its process and chat. */
function answerFor(process: number, chatId: number, length: number): string {
  const words: string[] = [];
  for (let i = 0; words.join(" ").length < length; i++) words.push(`p${process}c${chatId}w${i}`);
  return words.join(" ");
}

/** Jobs for `PROCESSES` processes of one bot: each answers in the shared group and in its own private chats. */
function jobs(redisUrl: string | undefined, privateChats: number, length = 500): BotJob[] {
  tokenSeq++;
  const token = `${880_000 + tokenSeq}:AAHsecretTokenForTheProcessesTest${tokenSeq}`;
  return Array.from({ length: PROCESSES }, (_, p) => ({
    apiRoot: emulator.apiRoot,
    token,
    ...(redisUrl ? { redisUrl } : {}),
    timeScale: TIME_SCALE,
    charsPerSecond: 250,
    chats: [
      { chatId: GROUP, chatType: "group" as const, answer: answerFor(p, GROUP, length) },
      ...Array.from({ length: privateChats }, (_, i) => {
        const chatId = 10_000 + p * 100 + i;
        return { chatId, chatType: "private" as const, answer: answerFor(p, chatId, length) };
      }),
    ],
  }));
}

/** Every stream succeeded and the user sees exactly its answer. */
function expectNothingLost(all: BotJob[], reports: BotReport[]): void {
  for (const report of reports)
    for (const r of report.results) expect(r.error, `chat ${r.chatId}`).toBeUndefined();
  const groupAnswers = all.map((job) => job.chats[0]?.answer).sort();
  const groupTexts = emulator
    .visibleMessages(GROUP)
    .map((m) => m.versions.at(-1)?.text)
    .sort();
  expect(groupTexts).toEqual(groupAnswers);
  for (const job of all)
    for (const chat of job.chats.slice(1))
      expect(emulator.visibleText(chat.chatId)).toBe(chat.answer);
}

describe("several processes of one bot", () => {
  it("share the budget through Redis: 0 x 429 and nothing lost in one group and many private chats", async () => {
    emulator = await startEmulator({ timeScale: TIME_SCALE });
    const all = jobs(server.url, 6);
    const reports = await Promise.all(all.map(runBotProcess));
    expectNothingLost(all, reports);
    expect(emulator.stats().tooManyRequests).toBe(0);
    let roundTrips = 0;
    let granted = 0;
    for (const report of reports) {
      expect(report.warnings).toEqual([]);
      roundTrips += report.redis?.roundTrips ?? 0;
      granted += report.redis?.granted ?? 0;
    }
    expect(granted).toBeGreaterThan(0);
    console.log(
      `3 processes with Redis: ${emulator.stats().total} calls, 0 x 429, ${(roundTrips / granted).toFixed(2)} Redis round trips per granted call`,
    );
  }, 120_000);

  it("draw 429s in the same group with local budgets only (what Redis prevents)", async () => {
    emulator = await startEmulator({ timeScale: TIME_SCALE });
    const all = jobs(undefined, 0, 250);
    await Promise.all(all.map(runBotProcess));
    expect(emulator.stats().tooManyRequests).toBeGreaterThan(0);
  }, 120_000);

  it("go on when Redis is killed mid-stream and rejoin when it is back: no stream fails, nothing lost", async () => {
    emulator = await startEmulator({ timeScale: TIME_SCALE });
    const all = jobs(server.url, 4);
    const running = Promise.all(all.map(runBotProcess));
    // Kill Redis once every process streams, and bring it back (empty) a second later.
    for (let p = 0; p < PROCESSES; p++)
      await emulator.waitForCall(
        (call) => Math.floor(((call.chatId ?? 0) - 10_000) / 100) === p,
        60_000,
      );
    await server.kill();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await server.restart();
    const reports = await running;
    expectNothingLost(all, reports);
    // Meanwhile each process kept to its share of the limits (a third: three processes were seen).
    expect(emulator.stats().tooManyRequests).toBe(0);
    const warned = reports.filter((r) => r.warnings.length > 0);
    expect(warned.length).toBeGreaterThan(0);
    for (const report of warned) {
      expect(report.warnings).toHaveLength(1);
      expect(report.warnings[0]).toMatch(/Redis did not answer/);
      expect(report.warnings[0]).not.toContain("AAHsecret");
    }
  }, 120_000);
});

/**
 * The journal of open messages and crash recovery in one Node process, with
 * real hubs (grammY over HTTP to the emulator) and a real redis-server: how
 * many Redis round trips recording costs, that concurrent survivors claim each
 * orphaned message once, that a live process's messages are never taken, and
 * the options' validation.
 */
import { Bot } from "grammy";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type OpenMessage,
  StreamHub,
  shutdownStreams,
  streamHubFor,
} from "../../grammy-plugin/index.js";
import { redisKey } from "../../shared/redis/connection.js";
import { type Emulator, startEmulator } from "../emulator/index.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";
import { eventually } from "./multi-process.js";

const TIME_SCALE = 0.2;
const NOTE = "(interrupted)";

let server: RedisServer;
let emulator: Emulator;
let clients: Redis[] = [];
let hubs: StreamHub[] = [];
let botId: number;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  emulator = await startEmulator({ timeScale: TIME_SCALE });
  botId = 8_300_000 + Math.floor(Math.random() * 100_000);
});
afterEach(async () => {
  await Promise.all(hubs.map((hub) => hub.shutdown(0)));
  await Promise.all(clients.map((client) => client.quit()));
  hubs = [];
  clients = [];
  await emulator.close();
});

function client(): Redis {
  const made = new Redis(server.url);
  clients.push(made);
  return made;
}

/** A hub of the test bot, as one process would have it (each with its own Redis connection). */
async function processHub(secret: string): Promise<StreamHub> {
  const bot = new Bot(`${botId}:${secret}`, { client: { apiRoot: emulator.apiRoot } });
  const hub = streamHubFor(bot.api, {
    timeScale: TIME_SCALE,
    redis: { client: client(), botId },
  });
  hubs.push(hub);
  await hub.ready;
  return hub;
}

async function* words(count: number, delayMs: number) {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    yield `w${i} `;
  }
}

async function evalCalls(redis: Redis): Promise<number> {
  const info = await redis.info("commandstats");
  return Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describe("recording open messages", () => {
  it("costs far fewer Redis round trips than updates shown (writes are coalesced)", async () => {
    const hub = await processHub("AAjournal");
    const admin = client();
    const before = await evalCalls(admin);
    const chats = Array.from({ length: 10 }, (_, i) => 7100 + i);
    await Promise.all(
      chats.map((chat) => hub.streamMessage(chat, words(300, 5), { transport: "draft" })),
    );
    const roundTrips = (await evalCalls(admin)) - before;
    const shown = emulator.calls.filter(
      (c) =>
        c.ok &&
        ["sendMessageDraft", "sendMessage", "editMessageText"].includes(c.method) &&
        chats.includes(c.chatId ?? 0),
    ).length;
    console.log(
      `journal: ${roundTrips} Redis round trips for ${shown} updates shown (${(roundTrips / shown).toFixed(3)} per update)`,
    );
    expect(shown).toBeGreaterThan(100);
    expect(roundTrips / shown).toBeLessThan(0.5);
    // Every finished message was forgotten.
    const keys = await admin.keys(redisKey({ botId }, "open:*"));
    expect(keys.length).toBeLessThanOrEqual(1);
    for (const key of keys) expect(await admin.hlen(key)).toBe(0);
  });
});

describe("recovery", () => {
  it("three survivors starting at once finish each of 30 orphaned messages exactly once", async () => {
    const admin = client();
    const dead = "dead-process";
    const orphans: OpenMessage[] = Array.from({ length: 30 }, (_, i) => ({
      chatId: 7200 + i,
      transport: "draft",
      draftId: 1000 + i,
      text: `answer ${i} as far as it got ▉`,
      entities: [{ type: "bold", offset: 0, length: 6 }],
    }));
    for (const message of orphans) {
      await admin.hset(
        redisKey({ botId }, `open:${dead}`),
        `${message.chatId}:${message.draftId}`,
        JSON.stringify(message),
      );
    }
    await admin.sadd(redisKey({ botId }, "procs"), dead);

    await Promise.all(["AAone", "AAtwo", "AAthree"].map((secret) => processHub(secret)));
    await eventually(
      () => orphans.every((m) => emulator.visibleMessages(Number(m.chatId)).length > 0),
      5_000,
      "every orphan was persisted",
    );
    // Give the other survivors a few more scans to do it again (they must not).
    await new Promise((resolve) => setTimeout(resolve, 5_000 * TIME_SCALE * 2));
    for (const [i, message] of orphans.entries()) {
      const messages = emulator.visibleMessages(Number(message.chatId));
      expect(messages).toHaveLength(1);
      const version = messages[0]?.versions.at(-1);
      expect(version?.text).toBe(`answer ${i} as far as it got\n\n${NOTE}`);
      expect(version?.entities).toEqual([{ type: "bold", offset: 0, length: 6 }]);
    }
    expect(emulator.stats().calls.sendMessage).toBe(30);
    expect(await admin.exists(redisKey({ botId }, `open:${dead}`))).toBe(0);
  });

  it("never takes the messages of a process that is alive", async () => {
    const owner = await processHub("AAowner");
    await processHub("AAwatcher");
    const chat = -1_007_300;
    const result = owner.streamMessage(chat, words(150, 20), { chatType: "supergroup" });
    // Several leases long: the watcher scans many times meanwhile.
    const stream = await result;
    expect(stream.aborted).toBe(false);
    const texts = emulator.visibleMessages(chat).flatMap((m) => m.versions.map((v) => v.text));
    expect(texts.some((t) => t.includes(NOTE))).toBe(false);
    expect(emulator.calls.filter((c) => c.method === "sendMessage")).toHaveLength(1);
  });
});

describe("without Redis", () => {
  it("streams go on when Redis does not answer: one warning, nothing fails, shutdown is bounded", async () => {
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args[0]);
    try {
      // Nothing listens on port 1.
      const dead = new Redis("redis://127.0.0.1:1", {
        maxRetriesPerRequest: 1,
        retryStrategy: () => 100,
      });
      dead.on("error", () => {});
      clients.push(dead);
      const bot = new Bot(`${botId}:AAnoRedis`, { client: { apiRoot: emulator.apiRoot } });
      const hub = streamHubFor(bot.api, { timeScale: TIME_SCALE, redis: { client: dead, botId } });
      const results = await Promise.all(
        [7401, -1_007_402].map((chat) =>
          hub.streamMessage(chat, words(60, 5), {
            chatType: chat > 0 ? "private" : "supergroup",
          }),
        ),
      );
      expect(results.map((r) => r.aborted)).toEqual([false, false]);
      // A stop press for a draft of no stream here is passed on (and lost), without an exception.
      expect(hub.stop(7401, 12345)).toBe(false);
      const started = Date.now();
      await hub.shutdown(500);
      expect(Date.now() - started).toBeLessThan(500 + 2_000 + 500);
      expect(emulator.visibleMessages(7401).map((m) => m.versions.at(-1)?.text)).toEqual([
        Array.from({ length: 60 }, (_, i) => `w${i}`).join(" "),
      ]);
      expect(warnings.filter((w) => String(w).includes("Redis"))).toHaveLength(1);
    } finally {
      console.warn = warn;
    }
  });
});

describe("options", () => {
  it("are checked when given", () => {
    const api = { call: async () => true };
    expect(() => new StreamHub(api, { interruptedNote: 5 as unknown as string })).toThrow(
      TypeError,
    );
    expect(() => new StreamHub(api, { redis: { client: {}, botId } as never })).toThrow(
      /redis.client/,
    );
    expect(
      () => new StreamHub(api, { redis: { client: client(), botId: "123:secret" } as never }),
    ).toThrow(/botId/);
    const hub = new StreamHub(api);
    expect(() => hub.shutdown(-1)).toThrow(RangeError);
  });

  it("refuse new streams after shutdown, and shutdownStreams resolves for a bot that never streamed", async () => {
    const hub = new StreamHub({ call: async () => ({ message_id: 1 }) });
    await hub.shutdown(100);
    expect(() => hub.stream(42)).toThrow(/shut down/);
    const bot = new Bot(`${botId}:AAneverStreamed`, { client: { apiRoot: emulator.apiRoot } });
    await expect(shutdownStreams(bot.api, 100)).resolves.toBeUndefined();
    await expect(shutdownStreams(bot.api, -5)).rejects.toThrow(RangeError);
  });
});

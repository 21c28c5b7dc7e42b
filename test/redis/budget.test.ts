/**
 * The Redis budget against a real redis-server: several budgets (as several
 * processes would hold) share one bot's limits, penalties and draft ids; and
 * Redis going away never stops a call.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBudget } from "../../shared/budget/redis.js";
import { BotBudget } from "../../shared/budget.js";
import { StreamHub } from "../../shared/hub.js";
import { resolveLimits, TELEGRAM_LIMITS } from "../../shared/limits.js";
import type { RedisSharing } from "../../shared/redis/connection.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";

const TIME_SCALE = 0.05;

let server: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server?.stop();
});

function client(): Redis {
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on("error", () => {});
  clients.push(redis);
  return redis;
}

let botSeq = 0;
function sharing(botId: number, redis = client()): RedisSharing {
  return { client: redis, botId, prefix: "test:" };
}

/** A budget as one process holds it, sharing `botId`'s limits through its own connection. */
function processBudget(
  botId: number,
  warnings: string[] = [],
): { budget: BotBudget; shared: RedisBudget; warnings: string[] } {
  const shared = new RedisBudget(sharing(botId), {
    timeScale: TIME_SCALE,
    inflightMs: 5000,
    recoveryMs: 60_000 * TIME_SCALE,
    logger: { warn: (message) => warnings.push(message) },
  });
  const budget = new BotBudget({ limits: resolveLimits(), timeScale: TIME_SCALE, shared });
  return { budget, shared, warnings };
}

/** Whether `times` never has more than `limit` entries in any window of `windowMs`. */
function overflows(times: number[], limit: number, windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0; i + limit < sorted.length; i++) {
    const gap = (sorted[i + limit] ?? 0) - (sorted[i] ?? 0);
    if (gap < windowMs) worst = Math.max(worst, windowMs - gap);
  }
  return worst;
}

/** Make `calls` calls to one chat as fast as granted, each answered after `replyMs`; returns the grant times. */
async function hammer(
  budget: BotBudget,
  chatId: number,
  kind: "message" | "draft",
  calls: number,
  replyMs = 2,
): Promise<number[]> {
  const chat = budget.chat(chatId, chatId > 0);
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const slot = await budget.acquire(chat, kind, i % 5 === 4 ? "final" : "preview");
    times.push(performance.now());
    await new Promise((resolve) => setTimeout(resolve, replyMs));
    slot.settle();
  }
  budget.release(chat);
  return times;
}

describe("the Redis budget", () => {
  it("keeps three processes streaming into one group and one private chat inside every window together", async () => {
    const botId = 900_000 + ++botSeq;
    const processes = [processBudget(botId), processBudget(botId), processBudget(botId)];
    const results = await Promise.all(
      processes.flatMap(({ budget }) => [
        hammer(budget, -100, "message", 12),
        hammer(budget, 100, "draft", 30),
        hammer(budget, 101, "message", 10),
      ]),
    );
    const group = results.filter((_, i) => i % 3 === 0).flat();
    const drafts = results.filter((_, i) => i % 3 === 1).flat();
    const privateChat = results.filter((_, i) => i % 3 === 2).flat();
    // Telegram's windows, scaled; a millisecond of timer slack.
    for (const w of TELEGRAM_LIMITS.groupChat.windows)
      expect(overflows(group, w.limit, w.windowMs * TIME_SCALE - 1)).toBe(0);
    for (const w of TELEGRAM_LIMITS.draft.windows)
      expect(overflows(drafts, w.limit, w.windowMs * TIME_SCALE - 1)).toBe(0);
    for (const w of TELEGRAM_LIMITS.privateChat.windows)
      expect(overflows(privateChat, w.limit, w.windowMs * TIME_SCALE - 1)).toBe(0);
    expect(overflows([...group, ...drafts, ...privateChat], 30, 1000 * TIME_SCALE)).toBe(0);
    let roundTrips = 0;
    let granted = 0;
    for (const { shared } of processes) {
      roundTrips += shared.stats.roundTrips;
      granted += shared.stats.granted;
      expect(shared.processes).toBe(3);
      expect(shared.stats.outages).toBe(0);
    }
    expect(granted).toBe(3 * (12 + 30 + 10));
    console.log(`round trips per granted call: ${(roundTrips / granted).toFixed(2)}`);
  }, 60_000);

  it("holds every process for a chat another process got a 429 for", async () => {
    const botId = 900_000 + ++botSeq;
    const a = processBudget(botId);
    const b = processBudget(botId);
    // Both know the chat first, so the penalty is news to b.
    await hammer(b.budget, 55, "message", 1);
    const chat = a.budget.chat(55, true);
    a.budget.penalize(chat, 2000);
    a.budget.release(chat);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const t0 = performance.now();
    const [at] = await hammer(b.budget, 55, "message", 1);
    expect((at ?? 0) - t0).toBeGreaterThanOrEqual(2000 * TIME_SCALE - 25);
    // Another chat is not held.
    const t1 = performance.now();
    const [other] = await hammer(b.budget, 56, "message", 1);
    expect((other ?? 0) - t1).toBeLessThan(50);
  });

  it("goes on without Redis, warns once per outage, and rejoins when it is back", async () => {
    const botId = 900_000 + ++botSeq;
    const warnings: string[] = [];
    const { budget, shared } = processBudget(botId, warnings);
    await hammer(budget, 77, "message", 3);
    expect(shared.reachable).toBe(true);
    await server.kill();
    // Every call is still granted, paced as one of at least two processes.
    const times = await hammer(budget, 77, "message", 4);
    expect(times).toHaveLength(4);
    await hammer(budget, 78, "draft", 4);
    expect(shared.reachable).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Redis did not answer/);
    expect(warnings[0]).toContain(String(botId));
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2 * 1000 * TIME_SCALE - 5);
    await server.restart();
    const deadline = Date.now() + 5000;
    while (!shared.reachable && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(shared.reachable).toBe(true);
    const before = shared.stats.granted;
    await hammer(budget, 77, "message", 2);
    expect(shared.stats.granted).toBe(before + 2);
    expect(warnings).toHaveLength(1);
  }, 30_000);

  it("gives draft ids unique across processes, positive 31-bit integers", async () => {
    const botId = 900_000 + ++botSeq;
    const hubs = [0, 1, 2].map(
      () =>
        new StreamHub(
          { call: () => Promise.reject(new Error("no calls")) },
          { redis: sharing(botId), timeScale: TIME_SCALE },
        ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ids = new Set<number>();
    for (let i = 0; i < 3000; i++) {
      for (const hub of hubs) {
        const id = hub.nextDraftId();
        expect(Number.isInteger(id) && id > 0 && id < 2 ** 31).toBe(true);
        ids.add(id);
      }
      if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(ids.size).toBe(9000);
  });

  it("rejects a redis option that is not one, and never takes a token for a bot id", () => {
    const api = { call: () => Promise.reject(new Error("no calls")) };
    expect(() => new StreamHub(api, { redis: {} as never })).toThrow(TypeError);
    expect(
      () => new StreamHub(api, { redis: { client: client(), botId: "123:SECRET" } as never }),
    ).toThrow(/numeric id \(never the token\)/);
    expect(() => new StreamHub(api, { redis: sharing(1), logger: {} as never })).toThrow(/logger/);
  });
});

/**
 * A call left in flight by a process that died (SIGKILL between the call and
 * its settle) holds its chat for the other processes only while the dead
 * process's lease lives, not until the in-flight expiry (the call timeout):
 * two Redis budgets, as two processes would hold them, against a real
 * redis-server. The whole story (a survivor finishing the dead process's
 * message within the recovery bound) is in `multi-process.test.ts`.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBudget } from "../../shared/budget/redis.js";
import type { SharedCall } from "../../shared/budget/shared.js";
import { TELEGRAM_LIMITS } from "../../shared/limits.js";
import { redisKey } from "../../shared/redis/connection.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";

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
  const redis = new Redis(server.url);
  clients.push(redis);
  return redis;
}

const BOT = 4_400_001;
const sharing = () => ({ client: client(), botId: BOT });
const LEASES = redisKey({ botId: BOT }, "lease:");

/** A process's budget; in-flight calls expire only after a minute, far beyond this test. */
function processBudget(processId: string, leases = true): RedisBudget {
  return new RedisBudget(sharing(), {
    timeScale: 1,
    inflightMs: 60_000,
    recoveryMs: 60_000,
    ...(leases ? { leases: { processId, keyPrefix: LEASES } } : {}),
    logger: { warn: () => {} },
  });
}

/** A final edit in the group: one call per second at most (the group's shortest window). */
function groupCall(chat: string): SharedCall {
  return {
    chat,
    kind: "message",
    budget: TELEGRAM_LIMITS.groupChat,
    global: TELEGRAM_LIMITS.global,
    paced: false,
    slowdown: 1,
    globalSlowdown: 1,
  };
}

describe("a call in flight of a process that died", () => {
  it("holds the chat while the process's lease lives, and counts as arrived once it is gone", async () => {
    const admin = client();
    await admin.set(`${LEASES}victim`, "1");
    await admin.set(`${LEASES}survivor`, "1");
    const victim = processBudget("victim");
    const survivor = processBudget("survivor");
    const chat = "-1004401";
    // The victim reserves a call and dies before its settle.
    const made = await victim.reserve(groupCall(chat));
    expect(made.granted).toBe(true);

    // Alive (its lease is there): the call may still arrive, so the chat waits for it.
    const held = await survivor.reserve(groupCall(chat));
    expect(held.granted).toBe(false);

    // Dead (its lease ran out): the call has arrived by now; the chat is due one window later.
    await admin.del(`${LEASES}victim`);
    const goneAt = performance.now();
    let answer = await survivor.reserve(groupCall(chat));
    while (!answer.granted) {
      const { retryMs } = answer;
      expect(retryMs).toBeLessThanOrEqual(1_100);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      answer = await survivor.reserve(groupCall(chat));
    }
    expect(performance.now() - goneAt).toBeLessThan(2_000);
  });

  it("holds the chat until the in-flight expiry for budgets without leases", async () => {
    const victim = processBudget("", false);
    const survivor = processBudget("", false);
    const chat = "-1004402";
    expect((await victim.reserve(groupCall(chat))).granted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const answer = await survivor.reserve(groupCall(chat));
    expect(answer.granted).toBe(false);
  });
});

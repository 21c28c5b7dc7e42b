/** The grammY plugin's `redis` option: checked when given, the bot id from the token, never the token. */
import { Bot } from "grammy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamHubFor } from "../../grammy-plugin/hubs.js";
import { streaming } from "../../grammy-plugin/index.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe("streaming({ redis })", () => {
  it("rejects what is not an ioredis client or { client }, naming the option", () => {
    expect(() => streaming({ redis: {} as never })).toThrow(TypeError);
    expect(() => streaming({ redis: {} as never })).toThrow(/redis/);
    expect(() => streaming({ redis: 42 as never })).toThrow(/redis must be/);
    expect(() => streaming({ redis: { client: redis, prefix: 7 } as never })).toThrow(/prefix/);
    expect(() => streaming({ redis, logger: { info: () => {} } as never })).toThrow(/logger/);
  });

  it("keys the bot's state by the number before the token's colon, never by the token", async () => {
    const token = "4242001:AAHtheSecretPartOfTheToken_xyz";
    const bot = new Bot(token, { client: { apiRoot: "http://127.0.0.1:9" } });
    const hub = streamHubFor(bot.api, { redis: { client: redis, prefix: "plugin:" } });
    hub.nextDraftId();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const keys = await redis.keys("*");
    expect(keys).toContain("plugin:streamgram:4242001:draft-ids");
    for (const key of keys) expect(key).not.toContain("AAH");
    // One bot, one budget: another Redis setting for the same token is refused.
    expect(() => streamHubFor(bot.api, { redis: { client: redis, prefix: "other:" } })).toThrow(
      /redis/,
    );
  });
});

/**
 * The Redis URL of the bot config node: a Node-RED flow and a grammY bot with
 * one token share one Redis state. Real Node-RED runtime, real redis-server,
 * the emulator: the user presses stop on a draft the flow streams, the grammY
 * bot gets the update, and the flow's stream stops.
 */
import { Bot, type Context } from "grammy";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type StreamFlavor,
  shutdownStreams,
  streamHubFor,
  streaming,
} from "../../grammy-plugin/index.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";
import {
  loadHarness,
  sleep,
  TIME_SCALE,
  TOKEN,
  unloadHarness,
  visibleTexts,
  waitFor,
} from "./harness.js";

const PRIVATE = 4711;
const BOT_ID = Number(TOKEN.split(":")[0]);

let server: RedisServer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await unloadHarness();
});

describe("the bot config node's Redis URL", () => {
  it("lets a stop press handled by a grammY bot stop the flow's stream", async () => {
    const h = await loadHarness({
      bot: { canStop: true },
      credentials: { token: TOKEN, redisUrl: server.url },
    });
    const redis = new Redis(server.url);
    const bot = new Bot<StreamFlavor<Context>>(TOKEN, {
      client: { apiRoot: h.emulator.apiRoot },
      botInfo: { id: BOT_ID, is_bot: true, first_name: "B", username: "b_bot" } as never,
    });
    const settings = { timeScale: TIME_SCALE, redis: { client: redis, botId: BOT_ID } };
    bot.use(streaming(settings));
    await streamHubFor(bot.api, settings).ready;
    cleanups.push(
      () => redis.quit(),
      () => shutdownStreams(bot.api, 0),
    );

    // Both hubs listen for stop presses (the config node's since the flow started).
    const channel = `streamgram:${BOT_ID}:stop`;
    const subscribers = async () =>
      ((await redis.pubsub("NUMSUB", channel)) as [string, number])[1];
    for (let i = 0; i < 200 && (await subscribers()) < 2; i++) await sleep(10);
    expect(await subscribers()).toBe(2);
    h.send({ payload: "A reply the user ", chatId: PRIVATE });
    h.send({ payload: "does not want", chatId: PRIVATE });
    const draft = await h.emulator.waitForCall(
      (c) => c.method === "sendMessageDraft" && String(c.params.text).includes("want"),
    );
    await bot.handleUpdate(h.emulator.pressStop(PRIVATE, draft.params.draft_id as number));
    const result = (await waitFor(() => h.results[0])).payload as { aborted: boolean };
    expect(result.aborted).toBe(true);
    expect(visibleTexts(h.emulator, PRIVATE)).toEqual(["A reply the user does not want"]);
    expect(h.caught).toEqual([]);
  });

  it("refuses a URL that is not redis:// with a clear error, without the URL", async () => {
    const h = await loadHarness({
      credentials: { token: TOKEN, redisUrl: "http://user:hunter2@127.0.0.1:1" },
    });
    h.send({ payload: "Hello", chatId: PRIVATE });
    const caught = await waitFor(() => h.caught[0]);
    const message = String((caught.error as { message?: string })?.message);
    expect(message).toMatch(/redis:\/\//);
    expect(message).not.toContain("hunter2");
  });
});

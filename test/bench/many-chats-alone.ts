/**
 * The bench's 1,000-chat scenario with streamgram alone (the full bench runs
 * every contender in the same process at once), locally or through the Redis
 * budget, with the event loop's blocks over 40 ms and when they happened.
 *
 *   npx tsx test/bench/many-chats-alone.ts [--redis] [--chats=1000]
 *
 * Add `node_modules/.bin/node --cpu-prof --import tsx` instead of `npx tsx`
 * to see whose the blocks are.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Api } from "grammy";
import { Redis } from "ioredis";
import { streamHubFor } from "../../grammy-plugin/hubs.js";
import { streamMessage } from "../../grammy-plugin/index.js";
import { startRedisServer } from "../support/redis-server.js";
import { CONTENDERS, type Contender, type StreamJob } from "./contenders/index.js";
import { hostEmulator } from "./emulator-host.js";
import { runScenarios } from "./run.js";

const { values } = parseArgs({
  options: {
    redis: { type: "boolean", default: false },
    chats: { type: "string", default: "1000" },
  },
});
const chats = Number(values.chats);
const server = values.redis ? await startRedisServer() : undefined;
const redis = server ? new Redis(server.url) : undefined;
let api: Api | undefined;
const viaRedis: Contender = {
  name: "streamgram (Redis)",
  chatTypes: ["private"],
  createApi: (token, apiRoot) => {
    api = new Api(token, { apiRoot });
    return api;
  },
  async stream(job: StreamJob) {
    await streamMessage(job.api, job.chatId, job.events, {
      chatType: "private",
      timeScale: job.timeScale,
      signal: job.signal,
      ...(redis ? { redis } : {}),
    });
  },
};
const host = await hostEmulator({ timeScale: 1 }, "worker");
const t0 = performance.now();
let last = t0;
const blocks: string[] = [];
const watch = setInterval(() => {
  const now = performance.now();
  if (now - last > 60)
    blocks.push(`${((now - t0) / 1000).toFixed(1)} s: ${(now - last - 20).toFixed(0)} ms`);
  last = now;
}, 20);
const [cell] = await runScenarios({
  host,
  scenarios: [
    {
      name: `${chats} private chats, 1k @100/s`,
      chatType: "private",
      chats,
      answer: { size: 1000, charsPerSecond: 100 },
      quick: true,
    },
  ],
  contenders: redis ? [viaRedis] : CONTENDERS.filter((c) => c.name === "streamgram (auto)"),
  timeScale: 1,
  log: (line) => console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s  ${line}`),
});
clearInterval(watch);
console.log(
  `${redis ? "Redis" : "local"} budget, ${chats} chats: mean lag ${((cell?.meanLagMs ?? 0) / 1000).toFixed(2)} s, ` +
    `bound ${((cell?.boundMs ?? 0) / 1000).toFixed(2)} s (${cell?.lagRatio.toFixed(2)}x), ` +
    `${cell?.tooManyRequests} x 429, ${cell?.lost} lost, ${cell?.calls} calls`,
);
const stats = api && streamHubFor(api).redisBudget?.stats;
if (stats)
  console.log(
    `Redis round trips per granted call: ${(stats.roundTrips / stats.granted).toFixed(2)}`,
  );
console.log(`event loop blocks over 40 ms: ${blocks.join(", ") || "none"}`);
await host.close();
redis?.disconnect();
await server?.stop();
process.exit(0);

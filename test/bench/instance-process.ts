/**
 * One bot instance of `npm run bench -- --instances=N`: a child process that
 * plays the bench's model into its chats through streamgram's `streamMessage`
 * (one token shared by every instance), with or without Redis. Reads its job
 * as JSON from argv[2] and prints one JSON line: emission times (epoch ms)
 * and per-stream outcome.
 */
import { performance } from "node:perf_hooks";
import { Api } from "grammy";
import { Redis } from "ioredis";
import { streamHubFor } from "../../grammy-plugin/hubs.js";
import { streamMessage } from "../../grammy-plugin/index.js";
import { EventChannel, planAnswer, play } from "./producer.js";

/** What one instance does. */
export interface InstanceJob {
  apiRoot: string;
  token: string;
  redisUrl?: string;
  timeScale: number;
  /** The answers it plays, each into its chats at once (one user each). */
  answers: {
    answer: { size: number; charsPerSecond: number; seed: number };
    chats: { chatId: number; chatType: "private" | "group" }[];
  }[];
  /** Epoch ms at which every instance starts its playback. */
  startAtEpochMs: number;
}

/** One answer as played, and how its streams ended. */
export interface PlayedAnswer {
  /** The answer (the same in each of its chats). */
  text: string;
  /** Each delta, with its emission time as epoch ms. */
  emissions: { at: number; text: string }[];
  results: { chatId: number; ok: boolean; error?: string }[];
}

/** What one instance reports. */
export interface InstanceReport {
  answers: PlayedAnswer[];
  warnings: string[];
  redis?: { roundTrips: number; granted: number; refused: number; outages: number };
  /** The longest the instance's event loop was blocked, ms. */
  maxLoopBlockMs: number;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? "{}") as InstanceJob;
  const api = new Api(job.token, { apiRoot: job.apiRoot });
  const warnings: string[] = [];
  const redis = job.redisUrl ? new Redis(job.redisUrl) : undefined;
  redis?.on("error", () => {});
  const toEpoch = performance.timeOrigin;
  let maxBlock = 0;
  let tick = performance.now();
  const watch = setInterval(() => {
    const now = performance.now();
    maxBlock = Math.max(maxBlock, now - tick - 10);
    tick = now;
  }, 10);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.startAtEpochMs - Date.now())));
  const logger = { warn: (m: string) => warnings.push(m) };
  const answers = await Promise.all(
    job.answers.map(async ({ answer, chats }): Promise<PlayedAnswer> => {
      const plan = planAnswer(answer);
      const channels = chats.map(() => new EventChannel());
      const streams = chats.map(({ chatId, chatType }, i) =>
        streamMessage(api, chatId, channels[i] as EventChannel, {
          timeScale: job.timeScale,
          chatType: chatType === "private" ? "private" : "supergroup",
          ...(redis ? { redis, logger } : {}),
        }).then(
          () => ({ chatId, ok: true }),
          (error: unknown) => ({
            chatId,
            ok: false,
            error: String((error as Error)?.message ?? error),
          }),
        ),
      );
      const playback = play(plan, channels, job.timeScale);
      const results = await Promise.all(streams);
      await playback.finished;
      return {
        text: plan.text,
        emissions: playback.emissions.map((e) => ({ at: e.at + toEpoch, text: e.text })),
        results,
      };
    }),
  );
  clearInterval(watch);
  // A process that leaves says so: its last calls are settled for the others.
  await streamHubFor(api).redisBudget?.flushSettles();
  const stats = streamHubFor(api).redisBudget?.stats;
  const report: InstanceReport = {
    answers,
    warnings,
    ...(process.env.BENCH_DEBUG ? { debug: stats } : {}),
    ...(stats ? { redis: { ...stats } } : {}),
    maxLoopBlockMs: maxBlock,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  redis?.disconnect();
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${String(error?.stack ?? error)}\n`);
  process.exit(1);
});

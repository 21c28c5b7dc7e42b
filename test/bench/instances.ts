/**
 * `npm run bench -- --instances=N`: N users of one bot (one token), each
 * answered at once in a shared group and in 20 private chats, served by one
 * process (the reference), by N processes with a local budget each, and by N
 * processes sharing the Redis budget, against one emulator each time. Side by
 * side: 429s, failed streams, lost characters, lag against the bound.
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { ChatTimeline, RateWindow } from "../emulator/index.js";
import { DEFAULT_EMULATOR_LIMITS, startEmulator } from "../emulator/index.js";
import { startRedisServer } from "../support/redis-server.js";
import { callsAllowed } from "./bound.js";
import type { InstanceJob, InstanceReport } from "./instance-process.js";
import {
  checkDelivery,
  countable,
  emissionTimes,
  firstVisibleTimes,
  mean,
  quantile,
  visibleLags,
} from "./visibility.js";

/** Options of {@link runInstancesBench}. */
export interface InstancesOptions {
  instances: number;
  timeScale: number;
  /** Private chats each instance answers at once. Default 20. */
  privateChats?: number;
  log?: (line: string) => void;
}

/** One row of the table: one budget, one kind of chat. */
export interface InstancesRow {
  /** How many processes, and which budget. */
  budget: string;
  chat: "group (shared)" | "private";
  streams: number;
  failed: number;
  tooManyRequests: number;
  lost: number;
  duplicated: number;
  meanLagMs: number;
  p95LagMs: number;
  boundMs: number;
  /** Redis round trips per granted call, over the whole run (Redis rows). */
  roundTripsPerCall: number;
  /** The longest any instance's event loop was blocked. */
  maxLoopBlockMs: number;
}

const SCRIPT = fileURLToPath(new URL("./instance-process.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const GROUP = -7_000_001;
const ANSWER = { size: 1500, charsPerSecond: 60 };

function runInstance(job: InstanceJob): Promise<InstanceReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [SCRIPT, JSON.stringify(job)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1);
      if (code === 0 && line) resolve(JSON.parse(line) as InstanceReport);
      else reject(new Error(`instance exited with ${code}: ${err.slice(-1500)}`));
    });
  });
}

/** The messages of `timeline` that show `answer` (a group holds every instance's reply). */
function onlyAnswer(timeline: ChatTimeline, answer: string): ChatTimeline {
  const expected = countable(answer);
  const messages = timeline.messages.filter((m) => {
    const text = countable(m.versions.at(-1)?.text ?? "");
    return text.length > 0 && expected.includes(text.slice(0, 40));
  });
  return { ...timeline, messages };
}

/**
 * The bound: an ideal streamer's mean lag when `sharing` streams split the
 * chat's budget and `streams` streams split the bot's.
 */
function boundMs(
  chat: readonly RateWindow[],
  sharing: number,
  streams: number,
  durationMs: number,
  timeScale: number,
): number {
  const scale = (ws: readonly RateWindow[]) =>
    ws.map((w) => ({ limit: w.limit, windowMs: w.windowMs * timeScale }));
  const perChat = callsAllowed(scale(chat), durationMs) / sharing;
  const shared = callsAllowed(scale(DEFAULT_EMULATOR_LIMITS.global), durationMs) / streams;
  return durationMs / Math.min(perChat, shared) / 2;
}

/** One run of the bench: how many processes, and whether they share a Redis budget. */
interface Mode {
  label: string;
  processes: number;
  redis: boolean;
}

async function runMode(
  mode: Mode,
  options: InstancesOptions,
  seq: number,
): Promise<InstancesRow[]> {
  const privateChats = options.privateChats ?? 20;
  const users = options.instances;
  const emulator = await startEmulator({ timeScale: options.timeScale });
  const redis = mode.redis ? await startRedisServer() : undefined;
  try {
    const token = `${6_100_000 + seq}:AAHbenchInstancesTokenSecret${seq}`;
    const startAtEpochMs = Date.now() + 4000;
    // One answer per user: in the shared group, and in the user's private chats.
    const answers = Array.from({ length: users }, (_, u) => ({
      answer: { ...ANSWER, seed: 1000 + u },
      chats: [
        { chatId: GROUP, chatType: "group" as const },
        ...Array.from({ length: privateChats }, (_, i) => ({
          chatId: 7_000_000 + seq * 100_000 + u * 1000 + i,
          chatType: "private" as const,
        })),
      ],
    }));
    const jobs: InstanceJob[] = Array.from({ length: mode.processes }, (_, p) => ({
      apiRoot: emulator.apiRoot,
      token,
      ...(redis ? { redisUrl: redis.url } : {}),
      timeScale: options.timeScale,
      answers: answers.filter((_, u) => u % mode.processes === p),
      startAtEpochMs,
    }));
    const reports = await Promise.all(jobs.map(runInstance));
    const played = reports.flatMap((r, p) =>
      r.answers.map((a, k) => ({ ...a, chats: jobs[p]?.answers[k]?.chats ?? [] })),
    );
    const rows: InstancesRow[] = [];
    const roundTrips = reports.reduce((n, r) => n + (r.redis?.roundTrips ?? 0), 0);
    const granted = reports.reduce((n, r) => n + (r.redis?.granted ?? 0), 0);
    const tooMany = emulator.calls.filter((c) => c.status === 429);
    const streams = users * (privateChats + 1);
    for (const chat of ["group (shared)", "private"] as const) {
      const lags: number[] = [];
      let lost = 0;
      let duplicated = 0;
      let failed = 0;
      let count = 0;
      let durationMs = 0;
      for (const answer of played) {
        const expected = countable(answer.text);
        const emitted = emissionTimes(
          answer.emissions.map((e) => ({ at: e.at - performance.timeOrigin, text: e.text })),
        );
        durationMs = Math.max(
          durationMs,
          (answer.emissions.at(-1)?.at ?? 0) - (answer.emissions[0]?.at ?? 0),
        );
        for (const [i, c] of answer.chats.entries()) {
          if ((c.chatId === GROUP) !== (chat === "group (shared)")) continue;
          count++;
          if (!answer.results[i]?.ok) failed++;
          const timeline = onlyAnswer(emulator.timeline(c.chatId), answer.text);
          for (const lag of visibleLags(firstVisibleTimes(expected, timeline), emitted))
            lags.push(lag);
          const finished = timeline.messages.filter((m) => m.deletedAt === undefined);
          const delivery = checkDelivery(
            answer.text,
            finished.map((m) => m.versions.at(-1)?.text ?? ""),
          );
          lost += delivery.lost;
          duplicated += delivery.duplicated;
        }
      }
      const windows =
        chat === "private" ? DEFAULT_EMULATOR_LIMITS.draft : DEFAULT_EMULATOR_LIMITS.groupChat;
      rows.push({
        budget: mode.label,
        chat,
        streams: count,
        failed,
        tooManyRequests: tooMany.filter((c) => (c.chatId === GROUP) === (chat !== "private"))
          .length,
        lost,
        duplicated,
        meanLagMs: mean(lags),
        p95LagMs: quantile(lags, 0.95),
        boundMs: boundMs(
          windows,
          chat === "private" ? 1 : users,
          streams,
          durationMs,
          options.timeScale,
        ),
        roundTripsPerCall: granted > 0 ? roundTrips / granted : Number.NaN,
        maxLoopBlockMs: Math.max(...reports.map((r) => r.maxLoopBlockMs)),
      });
    }
    if (process.env.BENCH_DEBUG)
      for (const r of reports)
        options.log?.(
          `redis ${JSON.stringify(r.redis)} errors ${JSON.stringify(
            r.answers.flatMap((a) => a.results.filter((x) => !x.ok)).slice(0, 2),
          )}`,
        );
    const warned = reports.flatMap((r) => r.warnings);
    if (warned.length > 0) options.log?.(`warnings: ${warned.join(" | ")}`);
    return rows;
  } finally {
    await emulator.close();
    await redis?.stop();
  }
}

/**
 * Run one process with every user's answers (the reference), then N
 * processes with local budgets, then N processes sharing the Redis budget.
 */
export async function runInstancesBench(options: InstancesOptions): Promise<InstancesRow[]> {
  if (!Number.isInteger(options.instances) || options.instances < 2)
    throw new RangeError(`--instances must be a whole number >= 2, got ${options.instances}`);
  const n = options.instances;
  const modes: Mode[] = [
    { label: "1 process", processes: 1, redis: false },
    { label: `${n} processes, local budgets`, processes: n, redis: false },
    { label: `${n} processes, Redis budget`, processes: n, redis: true },
  ];
  const rows: InstancesRow[] = [];
  for (const [i, mode] of modes.entries()) {
    options.log?.(mode.label);
    rows.push(...(await runMode(mode, options, i + 1)));
  }
  return rows;
}

const seconds = (ms: number) => (Number.isNaN(ms) ? "-" : (ms / 1000).toFixed(2));

/** The rows as a Markdown table (for the README's "Running several instances"). */
export function instancesTable(rows: readonly InstancesRow[]): string {
  const lines = [
    "| processes, budget | chats | streams | 429s | failed | lost | duplicated | mean lag s | p95 lag s | bound s | lag / bound | Redis round trips per call |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.budget} | ${r.chat} | ${r.streams} | ${r.tooManyRequests} | ${r.failed} | ${r.lost} | ${r.duplicated} | ` +
        `${seconds(r.meanLagMs)} | ${seconds(r.p95LagMs)} | ${seconds(r.boundMs)} | ` +
        `${(r.meanLagMs / r.boundMs).toFixed(2)} | ${Number.isNaN(r.roundTripsPerCall) ? "-" : r.roundTripsPerCall.toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}

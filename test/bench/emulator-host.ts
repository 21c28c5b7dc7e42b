/**
 * Where the benchmark's emulator runs. In a worker thread (the default for
 * `npm run bench`) it has a core of its own, so thousands of contender calls
 * do not delay its clock; in the main thread (for the smoke test) there is
 * nothing to start.
 *
 * Either way the bench sees one interface, with every time already on the
 * main thread's `performance.now()` clock, the clock of the producer.
 */

import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import {
  type ChatTimeline,
  type EmulatorOptions,
  type EmulatorStats,
  startEmulator,
} from "../emulator/index.js";
import type { WorkerReply, WorkerRequest } from "./emulator-worker.js";

/** The emulator as the bench uses it. */
export interface EmulatorHost {
  /** Pass as grammY's `apiRoot`. */
  readonly apiRoot: string;
  /** What the users of these chats saw, with times on this thread's `performance.now()` clock. */
  timelines(chatIds: readonly number[]): Promise<ChatTimeline[]>;
  /** Calls of one bot (the numeric prefix of its token), without `getMe`: counts by method and 429 replies. */
  callStats(botId: number): Promise<EmulatorStats>;
  /** How late the emulator's event loop ran, in ms (p99 and max); shows whether its clock can be trusted. */
  loopDelay(): Promise<{ p99: number; max: number }>;
  close(): Promise<void>;
}

/** Where to run the emulator. */
export type EmulatorThread = "worker" | "main";

/**
 * Start an emulator with `options` in a worker thread or in this thread.
 * @throws what `startEmulator` throws for bad options.
 */
export async function hostEmulator(
  options: EmulatorOptions,
  thread: EmulatorThread,
): Promise<EmulatorHost> {
  return thread === "worker" ? hostInWorker(options) : hostInMainThread(options);
}

async function hostInMainThread(options: EmulatorOptions): Promise<EmulatorHost> {
  const emulator = await startEmulator(options);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  return {
    apiRoot: emulator.apiRoot,
    timelines: async (chatIds) => chatIds.map((id) => emulator.timeline(id)),
    callStats: async (botId) => statsOf(emulator.calls.filter((c) => c.token === String(botId))),
    loopDelay: async () => ({ p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 }),
    close: async () => {
      delay.disable();
      await emulator.close();
    },
  };
}

/**
 * Counters over some calls, as the emulator's own `stats()` counts them,
 * leaving out `getMe` (the bench's warm-up, not streaming).
 */
export function statsOf(calls: readonly { method: string; status: number }[]): EmulatorStats {
  const counts: Record<string, number> = {};
  let tooManyRequests = 0;
  let errors = 0;
  let total = 0;
  for (const call of calls) {
    if (call.method === "getMe") continue;
    total++;
    counts[call.method] = (counts[call.method] ?? 0) + 1;
    if (call.status === 429) tooManyRequests++;
    if (call.status >= 400) errors++;
  }
  return { calls: counts, total, tooManyRequests, errors };
}

async function hostInWorker(options: EmulatorOptions): Promise<EmulatorHost> {
  const worker = new Worker(new URL("./emulator-worker.ts", import.meta.url), {
    workerData: options,
    // The worker loads TypeScript the same way `npm run bench` does.
    execArgv: ["--import", "tsx"],
  });
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  worker.on("message", (reply: WorkerReply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if ("error" in reply) waiter.reject(new Error(`emulator worker: ${reply.error}`));
    else waiter.resolve(reply.value);
  });
  worker.on("error", (error) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  });
  const ask = <T>(request: WorkerRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, request });
    });

  const apiRoot = await ask<string>({ op: "start" });
  const offset = await clockOffset(() => ask<number>({ op: "now" }));
  return {
    apiRoot,
    timelines: async (chatIds) => {
      const timelines = await ask<ChatTimeline[]>({ op: "timelines", chatIds: [...chatIds] });
      return timelines.map((t) => shiftTimeline(t, offset));
    },
    callStats: (botId) => ask<EmulatorStats>({ op: "callStats", botId }),
    loopDelay: () => ask<{ p99: number; max: number }>({ op: "loopDelay" }),
    close: async () => {
      await ask<void>({ op: "close" });
      await worker.terminate();
    },
  };
}

/**
 * How much to add to a worker clock reading to get this thread's clock:
 * the best of a few round trips (the reading is taken halfway through).
 */
async function clockOffset(readWorkerClock: () => Promise<number>): Promise<number> {
  let best = { roundTrip: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 7; i++) {
    const before = performance.now();
    const workerNow = await readWorkerClock();
    const after = performance.now();
    if (after - before < best.roundTrip)
      best = { roundTrip: after - before, offset: (before + after) / 2 - workerNow };
  }
  return best.offset;
}

/** A timeline with every time moved by `offset` ms. */
export function shiftTimeline(timeline: ChatTimeline, offset: number): ChatTimeline {
  for (const message of timeline.messages) {
    for (const version of message.versions) version.at += offset;
    if (message.deletedAt !== undefined) message.deletedAt += offset;
  }
  for (const draft of timeline.drafts) {
    for (const version of draft.versions) version.at += offset;
    if (draft.vanishedAt !== undefined) draft.vanishedAt += offset;
    if (draft.stoppedAt !== undefined) draft.stoppedAt += offset;
  }
  return timeline;
}

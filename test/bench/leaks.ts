/**
 * What a long-running bot keeps: heap taken while one stream reads 300,000
 * one-character chunks, and what 1,000 finished streams that shared one
 * `signal` leave behind (listeners on it, streams still reachable).
 *
 * Run as its own process with `--expose-gc` ({@link measureLeaksInChildProcess}),
 * so the heap is measured after real garbage collections. Prints JSON.
 */

import { getEventListeners } from "node:events";
import { type BotApi, StreamHub } from "../../shared/index.js";
import { answerAsChildProcess, measureInChildProcess } from "./child-process.js";

/** What {@link measureLeaks} found. */
export interface LeakFigures {
  /** Chunks read by one stream. */
  chunks: number;
  /** Heap growth while it read them, in bytes, less the answer text itself (2 bytes a character at most). */
  heapGrowthBytes: number;
  /** Finished streams that shared one `signal`. */
  streams: number;
  /** `abort` listeners still on that signal after they finished. */
  listenersLeft: number;
  /** Of those streams, how many are still reachable after a garbage collection. */
  streamsAlive: number;
}

const api: BotApi = {
  call: async () => ({ message_id: 1, date: 0, chat: { id: 1, type: "private" } }),
};

function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc to measure memory");
  return (async () => {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    gc();
  })();
}

/** Heap growth of one stream reading `chunks` one-character chunks through `consume()`. */
async function heapOverChunks(chunks: number): Promise<number> {
  // Fast pacing: the budget's windows are scaled down, the API answers at once.
  const hub = new StreamHub(api, { timeScale: 0.001 });
  let before = 0;
  let after = 0;
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  async function* source(): AsyncGenerator<string> {
    for (let i = 0; i < chunks; i++) {
      if (i === 1000) {
        gc();
        before = process.memoryUsage().heapUsed;
      }
      yield "a";
    }
    gc();
    after = process.memoryUsage().heapUsed;
  }
  await hub.stream(42, { cursor: "" }).consume(source());
  return after - before - 2 * chunks;
}

/** Listeners and reachable streams left by `streams` finished streams sharing one signal. */
async function finishedStreams(streams: number) {
  const shared = new AbortController();
  const hub = new StreamHub(api, { timeScale: 0.001, defaults: { signal: shared.signal } });
  const refs: WeakRef<object>[] = [];
  const run = async (chatId: number) => {
    const consumer = hub.stream(chatId);
    refs.push(new WeakRef(consumer));
    consumer.delta("Short answer.");
    consumer.done();
    await consumer.result;
  };
  for (let s = 0; s < streams; s++) await run(1000 + s);
  await collect();
  return {
    listenersLeft: getEventListeners(shared.signal, "abort").length,
    streamsAlive: refs.filter((ref) => ref.deref() !== undefined).length,
  };
}

/** Measure in this process (needs `--expose-gc`). */
export async function measureLeaks(chunks = 300_000, streams = 1000): Promise<LeakFigures> {
  const heapGrowthBytes = await heapOverChunks(chunks);
  return { chunks, heapGrowthBytes, streams, ...(await finishedStreams(streams)) };
}

/** Run {@link measureLeaks} in a child process with `--expose-gc` and return its figures. */
export function measureLeaksInChildProcess(): Promise<LeakFigures> {
  return measureInChildProcess<LeakFigures>(import.meta.url, "leak measurement", {
    exposeGc: true,
  });
}

answerAsChildProcess(import.meta.url, measureLeaks);

/**
 * The core alone, with a Bot API that answers at once: how many deltas per
 * second a stream takes in, and how much heap an active stream holds.
 *
 * Run as its own process with `--expose-gc` (the bench does this), so the
 * heap is measured after a real garbage collection and nothing else of the
 * bench is in it. Prints the figures as JSON on stdout.
 */

import { performance } from "node:perf_hooks";
import { type BotApi, type StreamConsumer, StreamHub } from "../../shared/index.js";
import { answerAsChildProcess, measureInChildProcess } from "./child-process.js";

/** What {@link measureCore} found. */
export interface CoreFigures {
  deltasPerSecond: { single: number; thousand: number };
  /** Heap per active stream, in bytes, at 1,000 streams. */
  bytesPerStream: number;
  /** Answer characters each stream held when its heap was measured. */
  charsPerStream: number;
}

/** A Bot API that answers every call at once, like Telegram would if it were free. */
const noOpApi: BotApi = {
  call: async () => ({ message_id: 1, date: 0, chat: { id: 1, type: "private" } }),
};

/** Four-character pieces of Markdown prose, as a model's tokens. */
const PIECES = [
  "The ",
  "rate",
  " bud",
  "get ",
  "**is",
  "** s",
  "hare",
  "d, a",
  "nd `",
  "x` i",
  "s co",
  "de. ",
];

async function* deltas(count: number): AsyncGenerator<string> {
  for (let i = 0; i < count; i++) yield PIECES[i % PIECES.length] as string;
}

/**
 * Deltas per second through `streams` streams of one hub, each fed `perStream`
 * deltas from an async source (the path `streamMessage` takes), timed until
 * the last delta is taken in. The finals are not awaited: with Telegram's
 * limits they are paced, which is not the core's cost.
 */
async function deltasPerSecond(streams: number, perStream: number): Promise<number> {
  const hub = new StreamHub(noOpApi, { defaults: { format: "markdown" } });
  const fed: Promise<void>[] = [];
  const started = performance.now();
  for (let s = 0; s < streams; s++) {
    const consumer = hub.stream(1 + s);
    fed.push(
      (async () => {
        for await (const text of deltas(perStream)) consumer.delta(text);
        consumer.done();
      })(),
    );
  }
  await Promise.all(fed);
  return (streams * perStream) / ((performance.now() - started) / 1000);
}

/** Heap held per active stream with `streams` streams that each took in `chars` characters. */
async function bytesPerStream(streams: number, chars: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc to measure memory");
  const hub = new StreamHub(noOpApi, { defaults: { format: "markdown" } });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    gc();
  };
  await settle();
  const before = process.memoryUsage().heapUsed;
  const active: StreamConsumer[] = [];
  for (let s = 0; s < streams; s++) {
    const consumer = hub.stream(1_000_000 + s);
    for (let i = 0; i < chars / 4; i++) consumer.delta(PIECES[i % PIECES.length] as string);
    active.push(consumer);
  }
  await settle();
  const after = process.memoryUsage().heapUsed;
  if (active.length !== streams) throw new Error("streams were collected");
  return (after - before) / streams;
}

/** Measure the core in this process (needs `--expose-gc`). */
export async function measureCore(): Promise<CoreFigures> {
  await deltasPerSecond(10, 3000); // warm up the JIT
  const single = await deltasPerSecond(1, 12_000 / 4);
  const thousand = await deltasPerSecond(1000, 1000 / 4);
  const charsPerStream = 1000;
  return {
    deltasPerSecond: { single, thousand },
    bytesPerStream: await bytesPerStream(1000, charsPerStream),
    charsPerStream,
  };
}

/** Run {@link measureCore} in a child process with `--expose-gc` and return its figures. */
export function measureCoreInChildProcess(): Promise<CoreFigures> {
  return measureInChildProcess<CoreFigures>(import.meta.url, "core measurement", {
    exposeGc: true,
  });
}

answerAsChildProcess(import.meta.url, measureCore);

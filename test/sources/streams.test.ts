/**
 * toStreamEvents over generic sources: strings, iterables, Web ReadableStreams
 * and Node.js Readables, including UTF-8 bytes, abort and early exit.
 */
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type StreamSource, toStreamEvents } from "../../shared/sources/index.js";
import { collect, runs, visibleText } from "./collect.js";

const neverAborted = () => new AbortController().signal;

/** A ReadableStream of the given chunks that records whether it was cancelled. */
function recordingStream<T>(chunks: readonly T[]): {
  stream: ReadableStream<T>;
  cancelled: () => boolean;
} {
  let cancelled = false;
  const stream = new ReadableStream<T>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

/** Split `bytes` at the given cut points (any numbers; reduced into range). */
function splitBytes(bytes: Uint8Array, rawCuts: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(rawCuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const bounds = [0, ...cuts, bytes.length];
  return bounds.slice(1).map((end, i) => bytes.slice(bounds[i], end));
}

describe("plain sources", () => {
  it("reads a string as one delta, then done", async () => {
    expect((await collect(toStreamEvents("Hello", neverAborted()))).events).toEqual([
      { type: "delta", text: "Hello" },
      { type: "done" },
    ]);
  });

  it("reads an array and an async generator of strings", async () => {
    async function* generate() {
      yield "Hel";
      await new Promise((resolve) => setTimeout(resolve, 1));
      yield "lo";
    }
    for (const source of [["Hel", "lo"], generate()]) {
      const { events, error } = await collect(toStreamEvents(source, neverAborted()));
      expect(error).toBeUndefined();
      expect(runs(events)).toEqual(["delta: Hello", "done"]);
    }
  });

  it("ends with exactly one done, and stops reading at a done chunk", async () => {
    let readPastDone = false;
    let returned = false;
    function* generate() {
      try {
        yield "a";
        yield { type: "done" };
        readPastDone = true;
        yield "lost?";
      } finally {
        returned = true;
      }
    }
    const { events } = await collect(toStreamEvents(generate(), neverAborted()));
    expect(events).toEqual([{ type: "delta", text: "a" }, { type: "done" }]);
    expect(readPastDone).toBe(false);
    expect(returned).toBe(true);
  });

  it("throws the source's error after the events before it", async () => {
    async function* failing() {
      yield "partial";
      throw new Error("socket reset");
    }
    const { events, error } = await collect(toStreamEvents(failing(), neverAborted()));
    expect(events).toEqual([{ type: "delta", text: "partial" }]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("socket reset");
  });

  it("throws a TypeError from the iteration for a bad chunk, and releases the source", async () => {
    const { stream, cancelled } = recordingStream<unknown>(["ok", 12, "never"]);
    const { events, error } = await collect(toStreamEvents(stream, neverAborted()));
    expect(events).toEqual([{ type: "delta", text: "ok" }]);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/number 12/);
    expect(cancelled()).toBe(true);
  });
});

describe("rejecting what is not a source", () => {
  it.each([
    [42, /received number 42/],
    [null, /received null/],
    [undefined, /received undefined/],
    [{ choices: [] }, /received an object with keys \{choices\}/],
    [{ object: "chat.completion", choices: [] }, /finished chat completion.*stream: true/],
    [{ object: "response", output: [] }, /finished Responses API response.*stream: true/],
    [Promise.resolve("hi"), /received a Promise\. Await it first/],
    [new Uint8Array([104, 105]), /received a Uint8Array of 2 bytes\. Wrap a single chunk/],
    [{ fullStream: 5 }, /unsupported fullStream, received number 5/],
  ])("throws a TypeError synchronously for %s", (source, message) => {
    const attempt = () => toStreamEvents(source as unknown as StreamSource, neverAborted());
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/ReadableStream, a Node\.js Readable/);
  });

  it("throws a TypeError when the signal is not an AbortSignal", () => {
    expect(() => toStreamEvents("hi", undefined as unknown as AbortSignal)).toThrow(
      /signal must be an AbortSignal, received undefined/,
    );
  });

  it("checks what a factory returns when it arrives, on the first read", async () => {
    const events = toStreamEvents(async () => 7 as unknown as StreamSource, neverAborted());
    const { error } = await collect(events);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/received number 7/);
  });
});

describe("byte streams", () => {
  it("decodes a Web ReadableStream of UTF-8 bytes split inside characters", async () => {
    const bytes = new TextEncoder().encode("Grüße 👋🏽 日本");
    const pieces = Array.from(bytes, (byte) => Uint8Array.of(byte)); // one byte per chunk
    const { events } = await collect(
      toStreamEvents(recordingStream(pieces).stream, neverAborted()),
    );
    expect(runs(events)).toEqual(["delta: Grüße 👋🏽 日本", "done"]);
  });

  it("reads a Web ReadableStream of strings", async () => {
    const { events } = await collect(
      toStreamEvents(recordingStream(["a", "b"]).stream, neverAborted()),
    );
    expect(runs(events)).toEqual(["delta: ab", "done"]);
  });

  it("decodes a Node.js Readable of Buffers, and one set to a string encoding", async () => {
    const bytes = Buffer.from("naïve café ☕", "utf8");
    const buffers = Readable.from(splitBytes(bytes, [3, 4, 13]).map((piece) => Buffer.from(piece)));
    expect(visibleText((await collect(toStreamEvents(buffers, neverAborted()))).events)).toBe(
      "naïve café ☕",
    );
    const strings = Readable.from([bytes]).setEncoding("utf8");
    expect(visibleText((await collect(toStreamEvents(strings, neverAborted()))).events)).toBe(
      "naïve café ☕",
    );
  });

  it("ends a stream cut inside a character with U+FFFD, not silence", async () => {
    const bytes = new TextEncoder().encode("ok😀").subarray(0, 4);
    const { events } = await collect(toStreamEvents([bytes], neverAborted()));
    expect(runs(events)).toEqual(["delta: ok\uFFFD", "done"]);
  });

  it("decodes any text split into any byte chunks to the same text (Web and Node streams)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (text, cuts) => {
          const pieces = splitBytes(new TextEncoder().encode(text), cuts);
          const web = await collect(toStreamEvents(recordingStream(pieces).stream, neverAborted()));
          expect(visibleText(web.events)).toBe(text);
          const node = await collect(
            toStreamEvents(
              Readable.from(pieces.map((piece) => Buffer.from(piece))),
              neverAborted(),
            ),
          );
          expect(visibleText(node.events)).toBe(text);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("abort and early exit", () => {
  it("stops at once while a read is pending, without done, and cancels a ReadableStream", async () => {
    let cancelReason: unknown;
    const stream = new ReadableStream<string>({
      start(controller) {
        controller.enqueue("first");
        // Nothing more ever arrives: only the abort can end the read.
      },
      cancel(reason) {
        cancelReason = reason ?? "cancelled";
      },
    });
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of toStreamEvents(stream, controller.signal)) {
        seen.push(event.type === "delta" ? event.text : event.type);
        if (seen.length === 1) setTimeout(() => controller.abort(), 5);
      }
    })();
    await reading;
    expect(seen).toEqual(["first"]);
    expect(cancelReason).toBeDefined();
  });

  it("destroys a Node.js Readable on abort", async () => {
    const readable = new Readable({ read() {} });
    readable.push("partial ");
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of toStreamEvents(readable, controller.signal)) {
      if (event.type === "delta") seen.push(event.text);
      controller.abort();
    }
    expect(seen).toEqual(["partial "]);
    expect(readable.destroyed).toBe(true);
  });

  it("releases the source on abort even while the consumer is busy elsewhere", async () => {
    const { stream, cancelled } = recordingStream(["a", "b", "c"]);
    const controller = new AbortController();
    const iterator = toStreamEvents(stream, controller.signal)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { type: "delta", text: "a" } });
    controller.abort(); // the consumer has not asked for the next event yet
    expect(cancelled()).toBe(true);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("calls return() on an async generator when the consumer breaks out", async () => {
    let finished = false;
    async function* generate() {
      try {
        for (let i = 0; ; i += 1) yield `chunk ${i} `;
      } finally {
        finished = true;
      }
    }
    for await (const event of toStreamEvents(generate(), neverAborted())) {
      if (event.type === "delta") break;
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(finished).toBe(true);
  });

  it("asks a generator stuck in an await to return, without waiting for it", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finished = false;
    async function* generate() {
      try {
        yield "before";
        await gate;
        yield "after";
      } finally {
        finished = true;
      }
    }
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of toStreamEvents(generate(), controller.signal)) {
      if (event.type === "delta") seen.push(event.text);
      setTimeout(() => controller.abort(), 1);
    }
    expect(seen).toEqual(["before"]);
    expect(finished).toBe(false); // still parked in `await gate`
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(finished).toBe(true); // the queued return() took effect at the next yield
  });

  it("does not call a factory when the signal has already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    let called = false;
    const events = toStreamEvents(() => {
      called = true;
      return "hi";
    }, controller.signal);
    expect((await collect(events)).events).toEqual([]);
    expect(called).toBe(false);
  });

  it("passes the signal to a factory, and releases a source that arrives after the abort", async () => {
    const { stream, cancelled } = recordingStream(["late"]);
    const controller = new AbortController();
    let received: AbortSignal | undefined;
    let deliver: (source: StreamSource) => void = () => {};
    const events = toStreamEvents((signal) => {
      received = signal;
      return new Promise<StreamSource>((resolve) => {
        deliver = resolve;
      });
    }, controller.signal);
    const reading = collect(events);
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(received).toBe(controller.signal);
    controller.abort();
    expect((await reading).events).toEqual([]);
    deliver(stream);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cancelled()).toBe(true);
  });
});

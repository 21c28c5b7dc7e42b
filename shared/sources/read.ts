/**
 * Reading a source: strings, iterables, async iterables (every SDK stream),
 * Web `ReadableStream`s, Node.js `Readable`s, the AI SDK's and Mastra's
 * results (their `fullStream`), and factories that receive the stream's
 * AbortSignal. Each chunk goes through {@link chunkToEvents}.
 */
import { describeValue as describe } from "../describe.js";
import type { StreamEvent } from "../types.js";
import { chunkToEvents } from "./chunks.js";
import { createChunkState, isRecord } from "./state.js";

/** Anything streamReply accepts. */
export type StreamSource =
  | AsyncIterable<unknown>
  | Iterable<unknown>
  | ReadableStream<unknown>
  | { textStream: AsyncIterable<string> }
  | { fullStream: AsyncIterable<unknown> }
  | string;

/** A source, or a factory that receives the stream's AbortSignal (so the app can pass it to the SDK and the user's stop button aborts the model). */
export type StreamSourceInput =
  | StreamSource
  | ((signal: AbortSignal) => StreamSource | Promise<StreamSource>);

/** The shapes a source may have, once a factory has produced it. */
const ACCEPTED_SOURCE_VALUES =
  "a string, an async iterable or iterable of chunks (e.g. an openai, Anthropic, Gemini, Ollama, LangChain or @openai/agents stream, or an async generator), " +
  "a ReadableStream, a Node.js Readable, or an AI SDK streamText result or Mastra agent stream (or its fullStream or textStream)";

const ACCEPTED_SOURCES = `${ACCEPTED_SOURCE_VALUES}, or a function (signal) => one of these (may return a Promise)`;

/**
 * Normalise a source into StreamEvents.
 *
 * Accepts a string, an async iterable or iterable of chunks (an SDK stream:
 * `openai`, `@anthropic-ai/sdk`'s `create({ stream: true })` or
 * `MessageStream`, `@google/genai`'s `generateContentStream()`, `ollama`'s
 * `chat()`, a LangChain `stream()` or `streamEvents()`, an `@openai/agents`
 * `StreamedRunResult`; an async generator, an array), a Web `ReadableStream`
 * (of strings, bytes or chunks, e.g. an AI SDK UI message stream), a Node.js
 * `Readable`, an AI SDK `streamText` result or a Mastra agent's `stream()`
 * output (its `fullStream` is read, so tool boundaries show; else its
 * `textStream`), or a factory `(signal) => source` that may return a Promise.
 * Every chunk goes through {@link chunkToEvents}.
 *
 * The events end with exactly one `done`: the first `done` a chunk stands for
 * (reading stops there and the source is released, except an SDK helper that
 * reads its response by itself, e.g. Anthropic's `MessageStream`: it is left
 * to finish, so that `await stream.finalMessage()` still works), or one added
 * when the source ends. An error from the source, or from a chunk that reports a
 * failure, is thrown from the iteration after the events before it.
 *
 * Stops reading when `signal` aborts, at once, even while a read is pending:
 * the iteration ends without `done`, and the source is released: an `openai`
 * or Anthropic stream's `controller` is aborted (closing the HTTP request),
 * an `ollama` stream's `abort()` is called, a Node
 * `Readable` is destroyed, a `ReadableStream` is cancelled and an iterator's
 * `return()` is called. The source is released the same way when the consumer
 * stops iterating early. A factory is called on the first `next()` with
 * `signal` (not called at all if `signal` has already aborted); if `signal`
 * aborts while its Promise is pending, the source it later delivers is
 * released unread.
 *
 * The result is meant to be iterated once.
 *
 * @throws TypeError (synchronously, before reading) naming the accepted
 *   shapes when `input` is none of them, or when `signal` is not an
 *   AbortSignal. What a factory returns is checked when it arrives, and a bad
 *   shape is thrown from the first `next()`.
 */
export function toStreamEvents(
  input: StreamSourceInput,
  signal: AbortSignal,
): AsyncIterable<StreamEvent> {
  if (!isAbortSignal(signal)) {
    throw new TypeError(
      `toStreamEvents: signal must be an AbortSignal, received ${describe(signal)}`,
    );
  }
  if (typeof input === "function") {
    const factory = input;
    return {
      [Symbol.asyncIterator]: () => readEvents(() => openFromFactory(factory, signal), signal),
    };
  }
  const open = classifySource(input);
  return { [Symbol.asyncIterator]: () => readEvents(async () => open(), signal) };
}

/** A source opened for reading. */
interface ChunkReader {
  /** The next chunk. */
  next(): Promise<IteratorResult<unknown>>;
  /** Let the source go early: cancel, abort, destroy or return, whatever it supports. Never throws or waits. */
  release(): void;
  /**
   * Whether the source finishes reading on its own once its answer is done,
   * and must then be left to do so (see {@link isSelfReadingHelper}).
   */
  readonly finishesOnItsOwn?: boolean;
}

/** Marks a wait that the abort signal cut short. */
const ABORTED: unique symbol = Symbol("aborted");

async function* readEvents(
  openReader: () => Promise<ChunkReader | undefined>,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent> {
  const reader = await openReader();
  if (reader === undefined) return;
  // Release on abort straight away, even if the consumer is busy and not pulling.
  const releaseOnAbort = () => reader.release();
  signal.addEventListener("abort", releaseOnAbort, { once: true });
  let sourceEnded = false;
  const state = createChunkState();
  try {
    while (!signal.aborted) {
      const result = await untilAborted(reader.next(), signal);
      if (result === ABORTED || signal.aborted) return;
      if (result.done === true) {
        sourceEnded = true;
        break;
      }
      for (const event of chunkToEvents(result.value, state)) {
        yield event;
        if (signal.aborted || event.type === "done") return;
      }
    }
    if (signal.aborted) return;
    // The source ended without saying so: end the events the same way a done chunk would.
    yield* chunkToEvents({ type: "done" }, state);
  } finally {
    signal.removeEventListener("abort", releaseOnAbort);
    // After a `done`, a helper that reads on its own is left to finish, so
    // that the app can still await its final message; anything else is let go.
    const answered = state.lastEvent === "done" && !signal.aborted;
    if (!sourceEnded && !(answered && reader.finishesOnItsOwn === true)) reader.release();
  }
}

async function openFromFactory(
  factory: (signal: AbortSignal) => StreamSource | Promise<StreamSource>,
  signal: AbortSignal,
): Promise<ChunkReader | undefined> {
  if (signal.aborted) return undefined;
  const produced = Promise.resolve(factory(signal));
  const source = await untilAborted(produced, signal);
  if (source === ABORTED) {
    // The SDK request may still open after the stop; close it when it does.
    produced.then(releaseUnread, () => {});
    return undefined;
  }
  if (typeof source === "function") {
    throw new TypeError(
      `toStreamEvents: the source factory returned a function; it must return (or resolve to) ${ACCEPTED_SOURCE_VALUES}`,
    );
  }
  return classifySource(source)();
}

function releaseUnread(source: unknown): void {
  try {
    classifySource(source)().release();
  } catch {
    // Not a source: nothing to release.
  }
}

/**
 * Recognise a source's shape now (so a wrong one fails before any reading)
 * and return how to open it later.
 */
function classifySource(source: unknown, via = "source"): () => ChunkReader {
  if (typeof source === "string") return () => iteratorReader([source][Symbol.iterator]());
  if (typeof source !== "object" || source === null) throw unsupportedSource(source, via);
  const record = source as Record<string | symbol, unknown>;

  if (typeof record.then === "function") {
    throw unsupportedSource(
      source,
      via,
      "Await it first, or pass a function (signal) => promise so that the stop button can abort it.",
    );
  }
  if (source instanceof Uint8Array) {
    throw unsupportedSource(source, via, "Wrap a single chunk of bytes in an array: [bytes].");
  }
  // AI SDK streamText result or Mastra output: fullStream shows tool boundaries, textStream only text.
  if ("fullStream" in record) return classifySource(record.fullStream, "fullStream");
  if ("textStream" in record) return classifySource(record.textStream, "textStream");

  if (typeof record.getReader === "function") {
    const stream = source as ReadableStream<unknown>;
    return () => readableStreamReader(stream);
  }
  const asyncIterate = record[Symbol.asyncIterator];
  if (typeof asyncIterate === "function") {
    return () => asyncIteratorReader(source, asyncIterate.call(source) as AsyncIterator<unknown>);
  }
  const iterate = record[Symbol.iterator];
  if (typeof iterate === "function") {
    return () => iteratorReader(iterate.call(source) as Iterator<unknown>);
  }
  throw unsupportedSource(source, via);
}

function readableStreamReader(stream: ReadableStream<unknown>): ChunkReader {
  const reader = stream.getReader();
  return {
    next: async () => {
      const { done, value } = await reader.read();
      return done ? { done: true, value: undefined } : { done: false, value };
    },
    release: once(() => {
      // Cancelling also settles a pending read, so nothing is left waiting.
      reader.cancel().catch(() => {});
    }),
  };
}

/**
 * An SDK stream helper that reads its HTTP response by itself and collects the
 * final message (`@anthropic-ai/sdk`'s `MessageStream`, `openai`'s
 * `ChatCompletionStream` and `ResponseStream`: `ended`, `aborted` and
 * `done()`). Releasing it after the answer's end would abort it, and the app's
 * `await stream.finalMessage()` would reject.
 */
function isSelfReadingHelper(source: object): boolean {
  const helper = source as { ended?: unknown; aborted?: unknown; done?: unknown };
  return (
    typeof helper.ended === "boolean" &&
    typeof helper.aborted === "boolean" &&
    typeof helper.done === "function"
  );
}

function asyncIteratorReader(source: object, iterator: AsyncIterator<unknown>): ChunkReader {
  return {
    finishesOnItsOwn: isSelfReadingHelper(source),
    next: () => iterator.next(),
    release: once(() => {
      const owner = source as {
        controller?: { abort?: unknown };
        abort?: unknown;
        destroy?: unknown;
      };
      // An openai or Anthropic SDK stream: aborting its controller closes the
      // HTTP request now; `return()` alone would wait behind a pending read.
      if (typeof owner.controller?.abort === "function") owner.controller.abort();
      // Streams that offer abort() instead (ollama's), or as well (Anthropic's MessageStream).
      else if (typeof owner.abort === "function") owner.abort();
      // A Node.js Readable.
      if (typeof owner.destroy === "function") owner.destroy();
      settleQuietly(() => iterator.return?.());
    }),
  };
}

function iteratorReader(iterator: Iterator<unknown>): ChunkReader {
  return {
    next: async () => iterator.next(),
    release: once(() => settleQuietly(() => iterator.return?.())),
  };
}

/** Call `action`, ignoring whatever it throws or rejects with: releasing must not fail the stream. */
function settleQuietly(action: () => unknown): void {
  try {
    const result = action();
    if (isRecord(result) && typeof result.then === "function") {
      (result as unknown as Promise<unknown>).then(undefined, () => {});
    }
  } catch {
    // The source is already broken; it is let go all the same.
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}

/** `promise`, or ABORTED as soon as `signal` aborts (the promise is then left to settle unobserved). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

// ---------------------------------------------------------------------------
// Helpers

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    isRecord(value) &&
    typeof value.aborted === "boolean" &&
    typeof value.addEventListener === "function" &&
    typeof value.removeEventListener === "function"
  );
}

function unsupportedSource(source: unknown, via: string, hint = ""): TypeError {
  if (hint === "" && isRecord(source) && source.object === "chat.completion") {
    hint = "It looks like a finished chat completion: create it with stream: true.";
  } else if (hint === "" && isRecord(source) && source.object === "response") {
    hint = "It looks like a finished Responses API response: create it with stream: true.";
  }
  return new TypeError(
    `toStreamEvents: unsupported ${via}, received ${describe(source)}. ${hint}${hint === "" ? "" : " "}` +
      `Expected ${ACCEPTED_SOURCES}.`,
  );
}

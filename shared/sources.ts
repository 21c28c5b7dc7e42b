/**
 * Source detection: turns whatever an LLM SDK hands back into `StreamEvent`s.
 *
 * Everything here is duck-typed, so `shared/` imports no SDK. Recognised:
 * plain strings and bytes, Web `ReadableStream`s, Node.js `Readable`s, the
 * `openai` SDK's Chat Completions and Responses streams, the AI SDK's
 * `streamText` result (and its `fullStream` / `textStream`), AI SDK UI message
 * chunks, and streamgram's own events.
 */
import { describeValue as describe } from "./describe.js";
import type { StreamEvent } from "./types.js";
import { Utf8ChunkDecoder } from "./utf8.js";

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

/**
 * What must be remembered between the chunks of one stream. Create one per
 * stream with {@link createChunkState} and pass it to every
 * {@link chunkToEvents} call of that stream; the fields are internal.
 */
export interface ChunkState {
  /** The type of the last event emitted, so that consecutive segments collapse into one. */
  lastEvent: StreamEvent["type"] | undefined;
  /** Chat Completions: tool-call deltas are streaming; the next text starts a new segment. */
  chatToolCallOpen: boolean;
  /** Responses API: the last output item was a tool call; the next item starts a new segment. */
  afterToolItem: boolean;
  /**
   * The SDK this stream's parts were recognised as. Once known, part types
   * we do not know (added by a newer SDK version) are skipped instead of
   * failing the stream; before that, an unknown shape is a TypeError.
   */
  family: "ai-sdk" | "openai-responses" | undefined;
  /** Decoder for byte chunks, created on the first one. */
  decoder: Utf8ChunkDecoder | undefined;
}

/** A fresh {@link ChunkState}, for the first chunk of a new stream. */
export function createChunkState(): ChunkState {
  return {
    lastEvent: undefined,
    chatToolCallOpen: false,
    afterToolItem: false,
    family: undefined,
    decoder: undefined,
  };
}

const ACCEPTED_CHUNKS =
  'a string, a Uint8Array of UTF-8 bytes, an openai Chat Completions chunk ({ object: "chat.completion.chunk", choices }), ' +
  'an openai Responses event ({ type: "response.output_text.delta", delta }, ...), ' +
  'an AI SDK stream part ({ type: "text-delta", text }, ...), ' +
  'or a streamgram event ({ type: "delta", text }, { type: "reasoning", text }, { type: "segment" }, { type: "done" }); ' +
  "null and undefined are skipped";

/** The shapes a source may have, once a factory has produced it. */
const ACCEPTED_SOURCE_VALUES =
  "a string, an async iterable or iterable of chunks (e.g. an openai SDK stream or an async generator), " +
  "a ReadableStream, a Node.js Readable, or an AI SDK streamText result (or its fullStream or textStream)";

const ACCEPTED_SOURCES = `${ACCEPTED_SOURCE_VALUES}, or a function (signal) => one of these (may return a Promise)`;

/**
 * Classify one chunk (one item of an SDK stream, or a Node-RED msg.payload).
 * Returns the events it stands for (often one, sometimes none, e.g. a
 * role-only OpenAI chunk). `state` carries what must be remembered between
 * chunks of one stream: create it with {@link createChunkState}.
 *
 * Mapping:
 * - a string is a `delta`; a `Uint8Array` (or Node `Buffer`) is UTF-8 bytes,
 *   decoded across chunk borders (a character split over two chunks comes out
 *   whole with the second); `null`/`undefined` give no events. Empty text
 *   gives no event.
 * - Chat Completions chunk (only choice 0 is read): `delta.content` and
 *   `delta.refusal` are `delta`s, `delta.reasoning_content` / `delta.reasoning`
 *   are `reasoning`; the first tool-call delta after text, and the first text
 *   after tool calls, is a `segment`; `finish_reason: "tool_calls"` is a
 *   `segment` (the tool step ends, the app may continue), any other finish
 *   reason (`"stop"`, `"length"`, ...) is `done`.
 * - Responses API event: `response.output_text.delta` and
 *   `response.refusal.delta` are `delta`s; `response.reasoning_summary_text.delta`
 *   and `response.reasoning_text.delta` are `reasoning` (a new summary part
 *   starts with a blank line); `response.output_item.added` for a tool call
 *   (any `*_call` item), and the first item after one, is a `segment`;
 *   `response.completed` is `done`, unless its output ends waiting for a
 *   function call's result (then the app continues with another response, so
 *   it is a `segment`); `response.incomplete` is `done`; `response.failed`
 *   and `error` events throw an `Error` carrying the server's message.
 * - AI SDK stream part (v4 to v7, including UI message chunks): `text-delta`
 *   (`text`, `textDelta` or `delta`) is a `delta`; `reasoning-delta` is
 *   `reasoning`; `tool-input-start`, `tool-call`, `start-step` and
 *   `finish-step` are `segment`s; `finish` is `done`; `error` throws the part's
 *   error; other parts (`start`, `text-start`, `tool-result`, `abort`, ...) are
 *   skipped.
 * - streamgram's own events pass through; a `delta` or `reasoning` event must
 *   carry a string `text`.
 *
 * Consecutive segments collapse into one: a tool call spread over many chunks
 * gives one boundary. A `done` first releases any bytes the decoder still
 * held (a truncated character comes out as U+FFFD).
 *
 * @throws TypeError naming the accepted shapes when the chunk is none of them,
 *   or when a recognised chunk carries text that is not a string.
 * @throws Error (or the SDK's own error object) when the chunk reports a failure.
 */
export function chunkToEvents(chunk: unknown, state: ChunkState): StreamEvent[] {
  if (typeof state !== "object" || state === null) {
    throw new TypeError(
      `chunkToEvents: state must be a ChunkState from createChunkState(), received ${describe(state)}`,
    );
  }
  const out = new EventSink(state);
  if (chunk === null || chunk === undefined) return out.events;
  if (typeof chunk === "string") {
    out.push({ type: "delta", text: chunk });
    return out.events;
  }
  if (chunk instanceof Uint8Array) {
    state.decoder ??= new Utf8ChunkDecoder();
    out.push({ type: "delta", text: state.decoder.decode(chunk) });
    return out.events;
  }
  if (typeof chunk !== "object") throw unsupportedChunk(chunk);

  const record = chunk as Record<string, unknown>;
  if (typeof record.type === "string") {
    readTypedChunk(record, record.type, state, out);
  } else if (record.object === "chat.completion") {
    throw new TypeError(
      'chunkToEvents: received a finished chat completion (object: "chat.completion"), not a stream chunk; ' +
        "create it with stream: true",
    );
  } else if (Array.isArray(record.choices)) {
    readChatCompletionChunk(record.choices, state, out);
  } else {
    throw unsupportedChunk(chunk);
  }
  return out.events;
}

/**
 * Collects the events of one chunk, dropping empty text and collapsing
 * consecutive segments (also across chunks, through the state).
 */
class EventSink {
  readonly events: StreamEvent[] = [];

  constructor(private readonly state: ChunkState) {}

  push(event: StreamEvent): void {
    if ((event.type === "delta" || event.type === "reasoning") && event.text === "") return;
    if (event.type === "segment" && this.state.lastEvent === "segment") return;
    if (event.type === "done" && this.state.decoder !== undefined) {
      // Bytes held back for an unfinished character would otherwise vanish.
      const rest = this.state.decoder.flush();
      if (rest !== "") this.push({ type: "delta", text: rest });
    }
    this.events.push(event);
    this.state.lastEvent = event.type;
  }
}

// ---------------------------------------------------------------------------
// openai: Chat Completions

function readChatCompletionChunk(choices: unknown[], state: ChunkState, out: EventSink): void {
  // With `n > 1` the choices interleave; a chat shows one answer, the first.
  const choice = choices.find((candidate) => isRecord(candidate) && (candidate.index ?? 0) === 0);
  // A chunk without choice 0 carries only usage (`stream_options.include_usage`).
  if (!isRecord(choice)) return;
  const delta = isRecord(choice.delta) ? choice.delta : {};

  const reasoning =
    optionalText(delta.reasoning_content, "delta.reasoning_content") ??
    optionalText(delta.reasoning, "delta.reasoning");
  if (reasoning !== undefined) out.push({ type: "reasoning", text: reasoning });

  // A refusal is what the user gets instead of an answer, so it is shown like one.
  for (const [field, value] of [
    ["delta.content", delta.content],
    ["delta.refusal", delta.refusal],
  ] as const) {
    const text = optionalText(value, field);
    if (text === undefined || text === "") continue;
    if (state.chatToolCallOpen) {
      out.push({ type: "segment" });
      state.chatToolCallOpen = false;
    }
    out.push({ type: "delta", text });
  }

  const callsTool =
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) ||
    isRecord(delta.function_call);
  if (callsTool && !state.chatToolCallOpen) {
    out.push({ type: "segment" });
    state.chatToolCallOpen = true;
  }

  const finishReason = choice.finish_reason;
  if (finishReason === "tool_calls" || finishReason === "function_call") {
    out.push({ type: "segment" });
    state.chatToolCallOpen = false;
  } else if (typeof finishReason === "string") {
    out.push({ type: "done" });
  }
}

// ---------------------------------------------------------------------------
// Chunks with a `type`: streamgram events, AI SDK parts, Responses API events

/** AI SDK part types that mark a tool or step boundary (v4 names included). */
const AI_SDK_BOUNDARIES = new Set([
  "tool-input-start",
  "tool-call",
  "start-step",
  "finish-step",
  "tool-call-streaming-start",
  "step-start",
  "step-finish",
]);

/** AI SDK part types that carry nothing for the chat (v4 to v7, and UI message chunks). */
const AI_SDK_SKIPPED = new Set([
  "start",
  "abort",
  "text-start",
  "text-end",
  "reasoning-start",
  "reasoning-end",
  "reasoning-signature",
  "redacted-reasoning",
  "reasoning-part-finish",
  "tool-input-delta",
  "tool-input-end",
  "tool-call-delta",
  "tool-result",
  "tool-error",
  "tool-output-denied",
  "tool-approval-request",
  "tool-approval-response",
  "tool-input-available",
  "tool-input-error",
  "tool-output-available",
  "tool-output-error",
  "source",
  "source-url",
  "source-document",
  "file",
  "reasoning-file",
  "raw",
  "ping",
  "custom",
  "steering-message",
  "message-metadata",
  "response-metadata",
]);

function readTypedChunk(
  record: Record<string, unknown>,
  type: string,
  state: ChunkState,
  out: EventSink,
): void {
  switch (type) {
    // streamgram's own events
    case "delta":
      out.push({
        type: "delta",
        text: requiredText(record.text, '{ type: "delta" } event', "text"),
      });
      return;
    case "segment":
      out.push({ type: "segment" });
      return;
    case "done":
      out.push({ type: "done" });
      return;
    case "reasoning":
      // Also AI SDK v4's reasoning part, which carries `textDelta`.
      out.push({
        type: "reasoning",
        text: requiredText(record.text ?? record.textDelta, '{ type: "reasoning" } event', "text"),
      });
      return;

    // AI SDK parts (and UI message chunks)
    case "text-delta":
      state.family = "ai-sdk";
      out.push({
        type: "delta",
        text: requiredText(
          record.text ?? record.textDelta ?? record.delta,
          "AI SDK text-delta part",
          "text",
        ),
      });
      return;
    case "reasoning-delta":
      state.family = "ai-sdk";
      out.push({
        type: "reasoning",
        text: requiredText(record.text ?? record.delta, "AI SDK reasoning-delta part", "text"),
      });
      return;
    case "finish":
      state.family = "ai-sdk";
      out.push({ type: "done" });
      return;
    case "error":
      // AI SDK: { type: "error", error } (UI chunks: errorText); Responses API: { type: "error", message, code }.
      throw streamError(record);
  }

  if (type.startsWith("response.")) {
    state.family = "openai-responses";
    readResponsesEvent(record, type, state, out);
    return;
  }
  if (AI_SDK_BOUNDARIES.has(type)) {
    state.family = "ai-sdk";
    out.push({ type: "segment" });
    return;
  }
  if (AI_SDK_SKIPPED.has(type) || type.startsWith("data-")) {
    state.family = "ai-sdk";
    return;
  }
  // A part type from a newer version of an SDK this stream already spoke.
  if (state.family !== undefined) return;
  throw unsupportedChunk(record);
}

// ---------------------------------------------------------------------------
// openai: Responses API

function readResponsesEvent(
  record: Record<string, unknown>,
  type: string,
  state: ChunkState,
  out: EventSink,
): void {
  switch (type) {
    case "response.output_text.delta":
    case "response.refusal.delta":
      out.push({ type: "delta", text: requiredText(record.delta, `${type} event`, "delta") });
      return;
    case "response.reasoning_summary_text.delta":
    case "response.reasoning_text.delta":
      out.push({ type: "reasoning", text: requiredText(record.delta, `${type} event`, "delta") });
      return;
    case "response.reasoning_summary_part.added":
      // Summary parts are paragraphs; without a break they would run together.
      if (typeof record.summary_index === "number" && record.summary_index > 0) {
        out.push({ type: "reasoning", text: "\n\n" });
      }
      return;
    case "response.output_item.added": {
      const item = isRecord(record.item) ? record.item : {};
      if (isToolCallItem(item)) {
        out.push({ type: "segment" });
        state.afterToolItem = true;
      } else if (state.afterToolItem) {
        out.push({ type: "segment" });
        state.afterToolItem = false;
      }
      return;
    }
    case "response.completed": {
      const response = isRecord(record.response) ? record.response : {};
      out.push(awaitsFunctionResult(response) ? { type: "segment" } : { type: "done" });
      return;
    }
    case "response.incomplete":
      // Cut short (e.g. max_output_tokens): what was streamed is the answer.
      out.push({ type: "done" });
      return;
    case "response.failed": {
      const response = isRecord(record.response) ? record.response : {};
      throw streamError(
        isRecord(response.error) ? response.error : { message: "The response failed" },
      );
    }
  }
}

/** Tool calls are the output items whose type ends in `_call`: function_call, web_search_call, ... */
function isToolCallItem(item: Record<string, unknown>): boolean {
  return typeof item.type === "string" && item.type.endsWith("_call");
}

/**
 * A response whose output holds a function call ends waiting for the app to
 * run the function and start the next response: the answer goes on.
 */
function awaitsFunctionResult(response: Record<string, unknown>): boolean {
  const output = Array.isArray(response.output) ? response.output : [];
  return output.some(
    (item) => isRecord(item) && (item.type === "function_call" || item.type === "custom_tool_call"),
  );
}

// ---------------------------------------------------------------------------
// Sources

/**
 * Normalise a source into StreamEvents.
 *
 * Accepts a string, an async iterable or iterable of chunks (an `openai` SDK
 * stream, an async generator, an array), a Web `ReadableStream` (of strings,
 * bytes or chunks), a Node.js `Readable`, an AI SDK `streamText` result (its
 * `fullStream` is read, so tool boundaries show; else its `textStream`), or a
 * factory `(signal) => source` that may return a Promise. Every chunk goes
 * through {@link chunkToEvents}.
 *
 * The events end with exactly one `done`: the first `done` a chunk stands for
 * (reading stops there and the source is released), or one added when the
 * source ends. An error from the source, or from a chunk that reports a
 * failure, is thrown from the iteration after the events before it.
 *
 * Stops reading when `signal` aborts, at once, even while a read is pending:
 * the iteration ends without `done`, and the source is released: an `openai`
 * stream's `controller` is aborted (closing the HTTP request), a Node
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
  try {
    const state = createChunkState();
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
    if (!sourceEnded) reader.release();
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
  // AI SDK streamText result: fullStream shows tool boundaries, textStream only text.
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

function asyncIteratorReader(source: object, iterator: AsyncIterator<unknown>): ChunkReader {
  return {
    next: () => iterator.next(),
    release: once(() => {
      const owner = source as { controller?: { abort?: unknown }; destroy?: unknown };
      // An openai SDK stream: aborting its controller closes the HTTP request
      // now; `return()` alone would wait behind a pending read.
      if (typeof owner.controller?.abort === "function") owner.controller.abort();
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    isRecord(value) &&
    typeof value.aborted === "boolean" &&
    typeof value.addEventListener === "function" &&
    typeof value.removeEventListener === "function"
  );
}

/** `value` if it is text, undefined if absent; a TypeError for anything else. */
function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  throw new TypeError(
    `chunkToEvents: a Chat Completions chunk's ${field} must be a string, received ${describe(value)}`,
  );
}

function requiredText(value: unknown, what: string, field: string): string {
  if (typeof value === "string") return value;
  throw new TypeError(
    `chunkToEvents: a ${what} needs a string \`${field}\`, received ${describe(value)}`,
  );
}

/** The error a stream reported, as something throwable that keeps the server's message. */
function streamError(record: Record<string, unknown>): Error {
  const reported = "error" in record ? record.error : record;
  if (reported instanceof Error) return reported;
  if (typeof reported === "string") return new Error(reported);
  if (isRecord(reported)) {
    const message = reported.message ?? reported.errorText;
    if (typeof message === "string") {
      const code = typeof reported.code === "string" ? ` (${reported.code})` : "";
      return new Error(`${message}${code}`, { cause: reported });
    }
  }
  return new Error(`The stream reported an error: ${describe(reported)}`, { cause: reported });
}

function unsupportedChunk(chunk: unknown): TypeError {
  return new TypeError(
    `chunkToEvents: unsupported chunk, received ${describe(chunk)}. Expected ${ACCEPTED_CHUNKS}.`,
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

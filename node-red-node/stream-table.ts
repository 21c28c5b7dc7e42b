/**
 * The streams one streamgram node is running: which message belongs to which
 * stream, starting them, feeding them, finishing them (on `done`, `abort`, an
 * idle timeout or the node's close) and reporting how each one ended.
 *
 * Knows nothing of Node-RED's runtime: the node passes callbacks, so the rules
 * here read as plain code.
 */
import type { StreamConsumer } from "../shared/consumer.js";
import type { StreamHub } from "../shared/hub.js";
import type { PlatformUpdate, StreamOptions } from "../shared/options.js";
import type { StreamResult } from "../shared/result.js";
import { type ChunkState, chunkToEvents, createChunkState } from "../shared/sources/index.js";
import type { StreamEvent } from "../shared/types.js";
import { type StreamInput, show } from "./input.js";
import type { DoneFunction, NodeMessage } from "./red.js";

/** How a stream ended. */
export type StreamOutcome = { ok: true; result: StreamResult } | { ok: false; error: unknown };

/** One stream of the table, as its callbacks see it. */
export interface TrackedStream {
  readonly streamId: string;
  readonly chatId: number | string;
  readonly threadId: number | undefined;
  readonly consumer: StreamConsumer;
  /** The latest message of the stream: the context of its result and of its errors. */
  lastMsg: NodeMessage;
}

/** Options of a {@link StreamTable}. */
export interface StreamTableOptions {
  /** The hub new streams start on; called for each new stream. May throw (no token): the message then fails. */
  hub(): StreamHub;
  /** A stream that receives no message for this long is finished as if `done` arrived. */
  idleTimeoutMs: number;
  /** Every platform update of every stream. */
  onUpdate(stream: TrackedStream, update: PlatformUpdate): void;
  /**
   * A stream ended. `msgDone` is the `done` of the message that ended it
   * (`done`/`abort`), still to be called; undefined when the stream failed
   * mid-way, timed out or was closed.
   */
  onSettled(stream: TrackedStream, outcome: StreamOutcome, msgDone: DoneFunction | undefined): void;
  /** A stream went idle and is being finished. */
  onIdle?(stream: TrackedStream): void;
}

interface Entry extends TrackedStream {
  readonly chunks: ChunkState;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The stream ended while still receiving messages (it failed: a blocked bot,
   * a missing topic); its outcome is reported, later messages are dropped
   * until `done`, `abort` or the idle timeout take it out of the table.
   */
  ended: boolean;
  /** The `done` of the message that finished the stream, called when the result settles. */
  msgDone: DoneFunction | undefined;
}

/**
 * The active streams of one node, keyed by stream id. Messages of one stream
 * are applied in arrival order; streams do not affect each other.
 */
export class StreamTable {
  private readonly streams = new Map<string, Entry>();
  private readonly settling = new Set<Promise<void>>();
  private closing = false;
  /** Streams whose result has not settled: running, or still persisting their text. */
  private readonly unsettled = new Set<Entry>();

  constructor(private readonly options: StreamTableOptions) {
    if (!(Number.isFinite(options.idleTimeoutMs) && options.idleTimeoutMs > 0)) {
      throw new RangeError(
        `idle timeout must be a positive number of milliseconds, got ${options.idleTimeoutMs}`,
      );
    }
  }

  /** Streams not finished yet: those receiving messages and those still persisting their text. */
  get running(): number {
    return this.unsettled.size;
  }

  /**
   * Apply one message. Calls `msgDone` when the message is handled: at once
   * for text, when the reply is persisted for `done` and `abort`.
   *
   * @throws TypeError/Error for malformed input (no stream to finish, a
   *   payload that is no text or chunk, a missing chat); no stream changes then,
   *   and `msgDone` is not called.
   */
  handle(input: StreamInput, msg: NodeMessage, msgDone: DoneFunction): void {
    if (this.closing)
      throw new Error("streamgram: the node is closing; the message was not applied");
    const entry = this.streams.get(input.streamId);
    if (input.command === "delta") {
      this.applyPayload(input, entry, msg, msgDone);
      return;
    }
    if (!entry) {
      throw new Error(
        `streamgram: "${input.command}" for stream "${input.streamId}", which is not streaming ` +
          "(it already finished, or no text was sent to it)",
      );
    }
    entry.lastMsg = msg;
    if (input.command === "segment") {
      if (!entry.ended) entry.consumer.segment();
      this.touch(entry);
      msgDone();
    } else if (input.command === "done") {
      this.finish(entry, (consumer) => consumer.done(), msgDone);
    } else {
      this.finish(
        entry,
        (consumer) => consumer.abort(new Error("aborted by an abort message")),
        msgDone,
      );
    }
  }

  /**
   * Finish every stream (persisting its text, without cursor) and resolve once
   * every result has settled, including those of streams finished earlier.
   * Each stream gets at most `finalWaitMs` to persist its text; one still held
   * by a rate-limit penalty or a dead network then fails with the undelivered
   * text. Messages arriving afterwards are refused.
   */
  async closeAll(finalWaitMs: number): Promise<void> {
    this.closing = true;
    const reason = new Error("the streamgram node was closed (redeploy or shutdown)");
    for (const entry of [...this.streams.values()]) {
      this.finish(entry, (consumer) => consumer.finishWithin(finalWaitMs, reason), undefined);
    }
    // Streams finished earlier may still be persisting: the same time limit holds for them.
    for (const entry of this.unsettled) entry.consumer.finishWithin(finalWaitMs, reason);
    while (this.settling.size > 0) await Promise.all([...this.settling]);
  }

  private applyPayload(
    input: StreamInput,
    entry: Entry | undefined,
    msg: NodeMessage,
    msgDone: DoneFunction,
  ): void {
    const payload = input.payload;
    if (
      payload !== null &&
      payload !== undefined &&
      typeof payload !== "string" &&
      typeof payload !== "object"
    ) {
      throw new TypeError(
        `streamgram: msg.payload must be text or an LLM stream chunk, got ${show(payload)}`,
      );
    }
    const chunks = entry?.chunks ?? createChunkState();
    let events: StreamEvent[];
    try {
      events = chunkToEvents(input.payload, chunks);
    } catch (error) {
      if (error instanceof TypeError) {
        throw new TypeError(
          `streamgram: msg.payload must be text or an LLM stream chunk. ${error.message}`,
        );
      }
      // The chunk reported a failure of the model (an AI SDK, Mastra or OpenAI error part).
      if (!entry) throw error;
      entry.lastMsg = msg;
      // SDKs send more parts after their error part (finish-step, finish): the stream stays in
      // the table as ended, dropping them, until its done, an abort or the idle timeout.
      entry.msgDone = msgDone;
      entry.ended = true;
      entry.consumer.failSource(error);
      this.touch(entry);
      return;
    }
    if (events.length === 0) {
      // Role-only and usage-only chunks: nothing to show, no stream to start.
      if (entry) {
        entry.lastMsg = msg;
        this.touch(entry);
      }
      msgDone();
      return;
    }
    let target = entry;
    if (!target) {
      if (events.every((event) => event.type === "done")) {
        throw new Error(
          `streamgram: the payload ends stream "${input.streamId}", which is not streaming`,
        );
      }
      target = this.start(input, chunks, msg);
    }
    target.lastMsg = msg;
    if (target.ended) {
      if (events.some((event) => event.type === "done")) this.finish(target, () => {}, msgDone);
      else {
        this.touch(target);
        msgDone();
      }
      return;
    }
    for (const event of events) {
      if (event.type === "done") {
        this.finish(target, (consumer) => consumer.done(), msgDone);
        return;
      }
      target.consumer.push(event);
    }
    this.touch(target);
    msgDone();
  }

  private start(input: StreamInput, chunks: ChunkState, msg: NodeMessage): Entry {
    if (input.chatId === undefined) {
      throw new TypeError(
        `streamgram: stream "${input.streamId}" is not running and the message names no chat to start it in; ` +
          "set msg.chatId (or msg.payload.chatId / msg.originalMessage.chat.id)",
      );
    }
    const options: StreamOptions = {};
    if (input.threadId !== undefined) options.threadId = input.threadId;
    if (input.replyTo !== undefined) options.replyToMessageId = input.replyTo;
    if (input.chatType !== undefined) options.chatType = input.chatType;
    // The entry exists before the consumer so that the first update already has a stream to report.
    let entry: Entry | undefined;
    options.onUpdate = (update) => {
      if (entry) this.options.onUpdate(entry, update);
    };
    const consumer = this.options.hub().stream(input.chatId, options);
    entry = {
      streamId: input.streamId,
      chatId: input.chatId,
      threadId: input.threadId,
      consumer,
      chunks,
      lastMsg: msg,
      idleTimer: undefined,
      ended: false,
      msgDone: undefined,
    };
    this.streams.set(input.streamId, entry);
    this.track(entry);
    return entry;
  }

  /** Report the stream's end once its result settles, and keep the promise until then for {@link closeAll}. */
  private track(entry: Entry): void {
    const settled = entry.consumer.result.then(
      (result): StreamOutcome => ({ ok: true, result }),
      (error: unknown): StreamOutcome => ({ ok: false, error }),
    );
    this.unsettled.add(entry);
    const reported = settled.then((outcome) => {
      this.unsettled.delete(entry);
      if (this.streams.get(entry.streamId) === entry) {
        entry.ended = true;
      }
      const msgDone = entry.msgDone;
      entry.msgDone = undefined;
      try {
        this.options.onSettled(entry, outcome, msgDone);
      } catch {
        // A reporting bug must not leave the close handler waiting.
      }
    });
    this.settling.add(reported);
    void reported.finally(() => this.settling.delete(reported));
  }

  /** Take the stream out of the table, then end it; `msgDone` is called when its result settles. */
  private finish(
    entry: Entry,
    end: (consumer: StreamConsumer) => void,
    msgDone: DoneFunction | undefined,
  ): void {
    this.streams.delete(entry.streamId);
    if (entry.idleTimer !== undefined) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    if (entry.ended) {
      // Its error was reported when it failed.
      msgDone?.();
      return;
    }
    entry.msgDone = msgDone;
    end(entry.consumer);
  }

  private touch(entry: Entry): void {
    if (entry.idleTimer !== undefined) clearTimeout(entry.idleTimer);
    entry.idleTimer = setTimeout(() => {
      if (this.streams.get(entry.streamId) !== entry) return;
      this.options.onIdle?.(entry);
      this.finish(entry, (consumer) => consumer.done(), undefined);
    }, this.options.idleTimeoutMs);
  }
}

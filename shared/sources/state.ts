/**
 * What chunk readers share: the per-stream state, the sink that collects a
 * chunk's events, and small checks on the values inside chunks.
 */
import { describeValue as describe } from "../describe.js";
import type { StreamEvent } from "../types.js";
import type { Utf8ChunkDecoder } from "../utf8.js";

/**
 * The SDK a stream's chunks were recognised as. Once known, chunk types the
 * reader does not know (added by a newer SDK version) are skipped instead of
 * failing the stream; before that, an unknown shape is a TypeError.
 */
export type SourceFamily =
  | "ai-sdk"
  | "mastra"
  | "openai-chat"
  | "openai-responses"
  | "openai-agents"
  | "anthropic"
  | "gemini"
  | "ollama"
  | "langchain";

/**
 * What must be remembered between the chunks of one stream. Create one per
 * stream with {@link createChunkState} and pass it to every
 * {@link chunkToEvents} call of that stream; the fields are internal.
 */
export interface ChunkState {
  /** The type of the last event emitted, so that consecutive segments collapse into one. */
  lastEvent: StreamEvent["type"] | undefined;
  /** A tool call is being streamed (or was the last output): the next text starts a new segment. */
  afterTool: boolean;
  /**
   * The model's current response called a tool, so the response's end is a
   * tool step (the app runs the tool and continues), not the answer's end.
   * Used by the SDKs whose end-of-response marker does not say so itself
   * (Gemini, Ollama).
   */
  calledTool: boolean;
  /** LangChain `streamEvents()`: the run id of the first event, the root run, whose end is the answer's. */
  rootRun: string | undefined;
  /** The SDK this stream's chunks were recognised as; see {@link SourceFamily}. */
  family: SourceFamily | undefined;
  /** Decoder for byte chunks, created on the first one. */
  decoder: Utf8ChunkDecoder | undefined;
}

/** A fresh {@link ChunkState}, for the first chunk of a new stream. */
export function createChunkState(): ChunkState {
  return {
    lastEvent: undefined,
    afterTool: false,
    calledTool: false,
    rootRun: undefined,
    family: undefined,
    decoder: undefined,
  };
}

/**
 * Collects the events of one chunk, dropping empty text and collapsing
 * consecutive segments (also across chunks, through the state).
 */
export class EventSink {
  readonly events: StreamEvent[] = [];

  constructor(private readonly state: ChunkState) {}

  /** Text of the answer. After a tool call it opens a new segment first. */
  text(text: string): void {
    if (text === "") return;
    this.leaveTool();
    this.push({ type: "delta", text });
  }

  /** Reasoning text (hidden unless the app shows reasoning). After a tool call it belongs to the next segment. */
  reasoning(text: string): void {
    if (text === "") return;
    this.leaveTool();
    this.push({ type: "reasoning", text });
  }

  private leaveTool(): void {
    if (!this.state.afterTool) return;
    this.push({ type: "segment" });
    this.state.afterTool = false;
  }

  /** A tool call starts (or streams on): one segment, however many chunks it spans. */
  toolCall(): void {
    if (!this.state.afterTool) this.push({ type: "segment" });
    this.state.afterTool = true;
    this.state.calledTool = true;
  }

  /**
   * The model's response ended: a `segment` if it called a tool (the app
   * continues with the tool's result), else `done`.
   */
  responseEnd(): void {
    if (this.state.calledTool) {
      this.toolStepEnd();
    } else {
      this.push({ type: "done" });
    }
  }

  /** A tool step ends (the app runs the tool and continues): a segment. */
  toolStepEnd(): void {
    this.push({ type: "segment" });
    this.state.calledTool = false;
  }

  /** Add `event` as it is (empty text dropped, repeated segments collapsed; `done` flushes held bytes first). */
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

/** A non-null object, read as a record of fields. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** `value` as a record, or an empty one when it is absent or not an object. */
export function recordOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** `value` if it is text, undefined if absent; a TypeError naming `field` of `what` for anything else. */
export function optionalText(value: unknown, what: string, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  throw new TypeError(
    `chunkToEvents: ${what}'s ${field} must be a string, received ${describe(value)}`,
  );
}

/** `value` if it is text; a TypeError naming `field` of `what` otherwise. */
export function requiredText(value: unknown, what: string, field: string): string {
  if (typeof value === "string") return value;
  throw new TypeError(
    `chunkToEvents: a ${what} needs a string \`${field}\`, received ${describe(value)}`,
  );
}

/** The error a stream reported, as something throwable that keeps the server's message. */
export function streamError(reported: unknown): Error {
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

import type { SentMessage } from "./types.js";

/** Counters of one stream, for logs and benchmarks. */
export interface StreamStats {
  /** Bot API calls made, by method (failed ones included). */
  calls: Record<string, number>;
  /** 429 replies received. */
  tooManyRequests: number;
  /** Calls repeated after a network error, a 5xx or a 429. */
  retries: number;
  /** UTF-8 bytes of message text sent across all calls. */
  bytesSent: number;
  /** From the stream's start to the first text the user could see; undefined if none was shown. */
  timeToFirstVisibleMs?: number;
  /** From the end of the source (done, abort or error) to the last message persisted. */
  finalLatencyMs?: number;
  /** Updates Telegram could not parse, resent as plain text (formatting then stays off). */
  parseFallbacks: number;
  /** Switches from the draft transport to the edit transport. */
  transportSwitches: number;
  /** Rich messages refused by the server, streamed as Markdown entities instead. */
  richFallbacks: number;
  /** Messages the user deleted (or that could no longer be edited) while they streamed. */
  messagesLost: number;
}

/** What a finished stream did. */
export interface StreamResult {
  /** The persisted messages, in order, as Telegram returned them. */
  messages: SentMessage[];
  /** The answer text as the source produced it (reasoning and hidden tags removed). */
  text: string;
  /** The reasoning text the source produced, shown or not. */
  reasoning: string;
  /** The transport the stream ended with. */
  transport: "draft" | "edit";
  /** True when the stream was stopped (signal, stop button, `abort()`) before its source ended. */
  aborted: boolean;
  stats: StreamStats;
}

const PARTIAL_RESULT = Symbol.for("streamgram.partialResult");

/**
 * Attach what was delivered to a source's error before it is rethrown, so the
 * app keeps its own error type and can still learn what the user saw.
 */
export function attachPartialResult(error: unknown, result: StreamResult): void {
  if (typeof error === "object" && error !== null && Object.isExtensible(error)) {
    Object.defineProperty(error, PARTIAL_RESULT, {
      value: result,
      enumerable: false,
      configurable: true,
    });
  }
}

/**
 * The part of a stream that was delivered before its source threw `error`,
 * or undefined if `error` did not come out of a stream.
 */
export function partialResultOf(error: unknown): StreamResult | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  return (error as { [PARTIAL_RESULT]?: StreamResult })[PARTIAL_RESULT];
}

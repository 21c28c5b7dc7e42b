/**
 * What every contender of the benchmark is given, and what it must do:
 * stream one answer into one chat through its own grammY `Api`.
 */

import type { Api } from "grammy";
import type { StreamEvent } from "../../../shared/types.js";

/** The kinds of chat the bench streams into. */
export type BenchChatType = "private" | "group";

/** One answer to stream. */
export interface StreamJob {
  /** The contender's client for this cell, made by {@link Contender.createApi}. */
  api: Api;
  chatId: number;
  chatType: BenchChatType;
  /** The model's events: text, tool boundaries; ends when the answer is complete. */
  events: AsyncIterable<StreamEvent>;
  /** The bench's time scale (1 = real time); intervals and waits scale with it. */
  timeScale: number;
  /** Aborted when the bench gives up on this cell (its deadline passed). */
  signal: AbortSignal;
}

/** A way of streaming LLM output into Telegram that the bench compares. */
export interface Contender {
  /** Short name for the table, e.g. `streamgram (auto)`. */
  name: string;
  /** The chat types it supports; other cells are n/a. */
  chatTypes: readonly BenchChatType[];
  /** A client for one bot token, with the transformers this contender is meant to run with. */
  createApi(token: string, apiRoot: string, timeScale: number): Api;
  /** Stream `job.events` into `job.chatId`; resolve when the answer is persisted. */
  stream(job: StreamJob): Promise<void>;
}

/**
 * grammY types its `AbortSignal` parameters with the `abort-controller`
 * polyfill's type; the native signal is what it uses at runtime.
 */
export type GrammySignal = Parameters<Api["sendMessage"]>[3];

/** A native signal, typed as grammY's methods expect it. */
export function grammySignal(signal: AbortSignal): GrammySignal {
  return signal as unknown as GrammySignal;
}

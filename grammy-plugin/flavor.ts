import type { Context } from "grammy";
import type { StreamResult, StreamSourceInput } from "../shared/index.js";
import type { StreamReplyOptions } from "./options.js";

/**
 * What `streaming()` adds to the context. Use it through {@link StreamFlavor}.
 */
export interface StreamReplyExtension {
  /**
   * Stream an LLM's answer into the chat of this update, live, and resolve
   * when every message of it is persisted.
   *
   * `source` is whatever the LLM SDK hands back: an `openai` Chat Completions
   * or Responses stream, an AI SDK `streamText` result (or its `fullStream` /
   * `textStream`), a `ReadableStream` (of strings or UTF-8 bytes), a Node.js
   * `Readable`, an (async) iterable of strings or of streamgram events, or a
   * string. Pass a function `(signal) => source` to receive the stream's
   * `AbortSignal`: hand it to the SDK, and the stop button (or your own
   * `signal`) stops the model too.
   *
   * The reply goes to the update's chat and, for a message in a topic, to
   * that topic. Private chats see a draft that animates as the text grows,
   * then one message; groups, channels and business chats see one message
   * that is edited as the text grows. Calls are paced to Telegram's limits,
   * shared with every other stream of the bot; long answers continue in new
   * messages at a paragraph or sentence boundary; tool calls start a new
   * message.
   *
   * The reply's calls go through this update's `ctx.api` (its API root and
   * transformers). An update delivered again (a webhook that answered late
   * or with an error status) does not answer twice: the n-th call of the
   * redelivery returns the n-th reply of the first delivery, streaming or
   * done, without touching `source` (see `REDELIVERY_MEMORY` for how long
   * replies are remembered).
   *
   * Resolves with what was delivered (`messages`, `text`, `aborted`, ...).
   * Rejects with the source's error if the source fails (what arrived before
   * is still persisted: see `partialResultOf`), or with a
   * `StreamDeliveryError` if Telegram refuses the text for good. Thrown
   * errors never contain the bot's token.
   *
   * @throws Error (as a rejection, before any request) when the update has no
   *   chat, and TypeError/RangeError for invalid options or an unknown source.
   */
  streamReply(source: StreamSourceInput, options?: StreamReplyOptions): Promise<StreamResult>;
}

/**
 * Context flavor of the streamgram plugin: `Bot<StreamFlavor<Context>>` lets
 * your handlers call `ctx.streamReply`. Install `streaming()` on the bot so
 * that the method exists at runtime.
 *
 * @example
 * const bot = new Bot<StreamFlavor<Context>>(token);
 * bot.use(streaming());
 * bot.on("message:text", (ctx) => ctx.streamReply(llmStream));
 */
export type StreamFlavor<C extends Context> = C & StreamReplyExtension;

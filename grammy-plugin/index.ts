/**
 * streamgram for grammY: stream LLM output into Telegram chats, live, paced
 * to Telegram's limits, split at 4096 characters, without a lost character or
 * a duplicate message.
 *
 * @example
 * import { Bot, type Context } from "grammy";
 * import { streaming, type StreamFlavor } from "streamgram";
 *
 * const bot = new Bot<StreamFlavor<Context>>(token);
 * bot.use(streaming());
 * bot.on("message:text", (ctx) =>
 *   ctx.streamReply((signal) =>
 *     openai.chat.completions.create({ model, messages, stream: true }, { signal })));
 *
 * The core (`StreamHub`, `StreamConsumer`, formatters, source detection) is
 * re-exported too, for bots that need more control.
 * @module
 */
export * from "../shared/index.js";
export type { StreamFlavor, StreamReplyExtension } from "./flavor.js";
export { streamHubFor } from "./hubs.js";
export { streaming } from "./middleware.js";
export type {
  HubSettings,
  RedisOption,
  StreamingOptions,
  StreamMessageOptions,
  StreamReplyOptions,
} from "./options.js";
export { redactError } from "./redact.js";
export { REDELIVERY_MEMORY } from "./redelivery.js";
export { shutdownStreams } from "./shutdown.js";
export { streamMessage } from "./stream-message.js";

import type { Api } from "grammy";
import type { StreamResult, StreamSourceInput } from "../shared/index.js";
import { grammyBotApi } from "./bot-api.js";
import { streamHubFor } from "./hubs.js";
import {
  mergeOptions,
  PLUGIN_DEFAULTS,
  type StreamMessageOptions,
  splitOptions,
} from "./options.js";
import { redactError } from "./redact.js";

/**
 * Stream `source` into any chat, outside of a handler: a cron job, a queue
 * worker, a webhook of your own. Pass the bot's `Api` (`bot.api`); this
 * stream's calls go through that `Api` (its API root and transformers) and
 * share the rate budget of every other stream of the bot token,
 * `ctx.streamReply` included.
 *
 * `source` takes the same shapes as `ctx.streamReply` (see there), including
 * a factory `(signal) => source`. `options` are this stream's `StreamOptions`
 * (format defaults to `"markdown"`; `streaming()`'s defaults do not apply
 * here, as this call does not go through the middleware) plus the bot's hub
 * settings, which must match those of `streaming()` if both name them.
 *
 * The chat type decides the transport: by default it is guessed from the id
 * (positive ids are private chats, which get drafts); pass `chatType` when you
 * know it, and `threadId` or `businessConnectionId` to reach a topic or a
 * business chat.
 *
 * Resolves with what was delivered; rejects like `ctx.streamReply`. Errors
 * never contain the bot's token.
 *
 * @example
 * await streamMessage(bot.api, chatId, (signal) => openai.chat.completions.create(
 *   { model, messages, stream: true }, { signal }));
 */
export async function streamMessage(
  api: Api,
  chatId: number | string,
  source: StreamSourceInput,
  options?: StreamMessageOptions,
): Promise<StreamResult> {
  const token = typeof api?.token === "string" ? api.token : undefined;
  try {
    const { hub: settings, stream } = splitOptions(options, "streamMessage()", {
      replyTo: false,
      hub: true,
    });
    const hub = streamHubFor(api, settings);
    return await hub.streamMessage(
      chatId,
      source,
      mergeOptions(PLUGIN_DEFAULTS, stream),
      grammyBotApi(api),
    );
  } catch (error) {
    throw redactError(error, token);
  }
}

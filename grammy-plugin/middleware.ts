import type { Context, MiddlewareFn } from "grammy";
import type { StreamResult, StreamSourceInput } from "../shared/index.js";
import { stoppedGenerationOf } from "../shared/stopped-generation.js";
import { grammyBotApi } from "./bot-api.js";
import type { StreamFlavor } from "./flavor.js";
import { botStreamingFor, validateHubSettings } from "./hubs.js";
import { mergeOptions, PLUGIN_DEFAULTS, type StreamingOptions, splitOptions } from "./options.js";
import { redactError } from "./redact.js";
import { replyTargetOf } from "./reply-target.js";

/**
 * The streamgram plugin: install it once with `bot.use(streaming())` and
 * every handler can stream an LLM's answer with `ctx.streamReply(source)`.
 *
 * `options` are defaults for every `ctx.streamReply` of the bot (any
 * `StreamOptions` field, plus `replyTo`), and the bot's hub settings
 * (`limits`, `timeScale`, `textLimit`, `callTimeoutMs`). The plugin's own default is
 * `format: "markdown"`, because that is what LLMs write. The options are
 * checked here, so a mistake throws when the bot starts, not at the first
 * message.
 *
 * All streams of one bot token share one rate budget (see `streamHubFor`),
 * whether they come from this middleware, a second installation of it, or
 * `streamMessage`. Each reply's requests go through its update's
 * `ctx.api.raw`, so the API root and the transformers installed on
 * `bot.api.config` (auto-retry, the throttler) stay in the path.
 *
 * Redelivered updates: Telegram delivers a webhook update again when the
 * webhook answered too late or with an error status. A `ctx.streamReply` for
 * an update whose reply is already streaming or done does not answer again:
 * it returns the first reply's promise (the n-th call of a redelivery gets
 * the n-th reply of the first delivery). The bot remembers its last 1000
 * replies, each for an hour after it ended (`REDELIVERY_MEMORY`), in this
 * process. Pass the source as a factory `(signal) => source` so that a
 * redelivery does not start a second model request either.
 *
 * Stop button: with `canStop: true`, drafts show Telegram's stop button.
 * When the user presses it, Telegram sends a `stopped_message_generation`
 * update; this middleware aborts the matching stream, then calls `next()` as
 * for every update. If you set `allowed_updates` (in `bot.start()`, `run()`
 * or `setWebhook`), include `"stopped_message_generation"` in it, or the
 * button does nothing. And handle updates concurrently (`run(bot)` from
 * `@grammyjs/runner`): `bot.start()` handles one update at a time, so the stop
 * press would wait behind the very reply it is meant to stop. To keep one
 * reply at a time per chat, install `sequentialize()` after this middleware,
 * so the stop press is handled before it queues.
 *
 * @throws TypeError or RangeError naming the option that is wrong.
 */
export function streaming<C extends Context>(
  options: StreamingOptions = {},
): MiddlewareFn<StreamFlavor<C>> {
  const {
    hub: hubSettings,
    stream: defaults,
    replyTo: defaultReplyTo,
  } = splitOptions(options, "streaming()", {
    replyTo: true,
    hub: true,
  });
  validateHubSettings(hubSettings);
  return async (ctx, next) => {
    const { hub, replies } = botStreamingFor(ctx.api, hubSettings);
    const stopped = stoppedGenerationOf(ctx.update);
    if (stopped) hub.stop(stopped.chatId, stopped.draftId, stopped.threadId);
    // The how-many-th streamReply of this handling: with the update id, it names the reply.
    let calls = 0;
    ctx.streamReply = async (
      source: StreamSourceInput,
      callOptions?: unknown,
    ): Promise<StreamResult> => {
      try {
        const call = splitOptions(callOptions, "ctx.streamReply", { replyTo: true, hub: false });
        const target = replyTargetOf(ctx, call.replyTo ?? defaultReplyTo ?? false);
        calls += 1;
        // This stream calls through this update's Api (its API root and transformers).
        const start = () =>
          hub.streamMessage(
            target.chatId,
            source,
            mergeOptions(PLUGIN_DEFAULTS, defaults, target.options, call.stream),
            grammyBotApi(ctx.api),
          );
        // A redelivery is the same update, byte for byte; an update that only shares its id
        // (a server that restarted its count, such as a test emulator) is a new one.
        const updateId = ctx.update.update_id;
        return await (Number.isSafeInteger(updateId)
          ? replies.replyFor(`${JSON.stringify(ctx.update)}#${calls}`, start)
          : start());
      } catch (error) {
        throw redactError(error, ctx.api.token);
      }
    };
    await next();
  };
}

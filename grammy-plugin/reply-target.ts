import type { Context } from "grammy";
import type { StreamOptions } from "../shared/index.js";

/** Where `ctx.streamReply` sends its reply, read from the update. */
export interface ReplyTarget {
  chatId: number;
  /** Stream options the update implies: chat type, topic, business connection, the message to quote. */
  options: StreamOptions;
}

/**
 * Read the reply's chat, topic and business connection from the update:
 *
 * - the chat is `ctx.chat` (so `ctx.chatId`), and its type becomes `chatType`,
 *   which decides between drafts (private chats) and edits (everything else);
 * - a message in a forum topic (or a private chat topic) is answered in that
 *   topic: `is_topic_message` → `threadId = message_thread_id`;
 * - a business message is answered through its business connection with the
 *   edit transport, because drafts do not exist there;
 * - with `replyTo`, the first message of the reply quotes `ctx.msg`.
 *
 * @throws Error when the update has no chat (an inline query, a poll, ...),
 *   or when `replyTo` is asked for on an update without a message.
 */
export function replyTargetOf(ctx: Context, replyTo: boolean): ReplyTarget {
  const chat = ctx.chat;
  if (chat === undefined) {
    throw new Error(
      `ctx.streamReply needs an update that belongs to a chat, but this ${updateKind(ctx)} update has none; ` +
        "use streamMessage(bot.api, chatId, source) to stream to a chat of your choice",
    );
  }
  const msg = ctx.msg;
  const options: StreamOptions = { chatType: chat.type };
  if (msg?.is_topic_message && msg.message_thread_id !== undefined)
    options.threadId = msg.message_thread_id;
  const businessConnectionId = msg?.business_connection_id ?? ctx.businessConnectionId;
  if (businessConnectionId !== undefined) {
    options.businessConnectionId = businessConnectionId;
    options.transport = "edit";
  }
  if (replyTo) {
    if (msg === undefined) {
      throw new Error(
        `ctx.streamReply: replyTo needs an update with a message, but this is a ${updateKind(ctx)} update`,
      );
    }
    options.replyToMessageId = msg.message_id;
  }
  return { chatId: chat.id, options };
}

/** The name of the update's kind, e.g. "inline_query", for error messages. */
function updateKind(ctx: Context): string {
  return Object.keys(ctx.update).find((key) => key !== "update_id") ?? "empty";
}

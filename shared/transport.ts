import type { ResolvedStreamOptions } from "./options.js";
import type { FormattedText } from "./types.js";

/**
 * The transports: which Bot API method shows a message, and its payload.
 *
 * - **draft** (private chats): `sendMessageDraft` animates a preview under one
 *   `draft_id`; the message is kept with exactly one `sendMessage`.
 * - **edit** (any chat): `sendMessage` once, then `editMessageText`.
 * - **rich** (either, Bot API 10.1): `sendRichMessageDraft`/`sendRichMessage`
 *   carry the Markdown itself and Telegram renders it; `editMessageText` takes
 *   it as `rich_message`.
 *
 * Pure payload building: no calls, no state but what is passed in.
 */

/** What every payload of one stream needs to know. */
export interface TransportContext {
  chatId: number | string;
  options: ResolvedStreamOptions;
  /** Sending Markdown as rich messages. */
  rich: boolean;
}

/** The method that shows a draft. */
export function draftMethod(rich: boolean): string {
  return rich ? "sendRichMessageDraft" : "sendMessageDraft";
}

/** The method that sends a message. */
export function sendMethod(rich: boolean): string {
  return rich ? "sendRichMessage" : "sendMessage";
}

/** The text of a call: `text` and `entities`, or the Markdown of a rich message. */
function content(rich: boolean, text: FormattedText): Record<string, unknown> {
  if (rich) return { rich_message: { markdown: text.text } };
  return text.entities.length > 0
    ? { text: text.text, entities: text.entities }
    : { text: text.text };
}

/** `sendMessageDraft` (or its rich form) showing `text` under `draftId`. */
export function draftPayload(
  ctx: TransportContext,
  draftId: number,
  text: FormattedText,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    chat_id: ctx.chatId,
    draft_id: draftId,
    ...content(ctx.rich, text),
  };
  if (ctx.options.threadId !== undefined) payload.message_thread_id = ctx.options.threadId;
  if (ctx.options.canStop) payload.can_stop = true;
  return payload;
}

/** `sendMessage` (or its rich form); `first` says whether it opens the reply (and quotes the user). */
export function sendPayload(
  ctx: TransportContext,
  text: FormattedText,
  first: boolean,
): Record<string, unknown> {
  const { options } = ctx;
  const payload: Record<string, unknown> = { chat_id: ctx.chatId, ...content(ctx.rich, text) };
  if (options.threadId !== undefined) payload.message_thread_id = options.threadId;
  if (options.businessConnectionId !== undefined)
    payload.business_connection_id = options.businessConnectionId;
  if (!options.linkPreview) payload.link_preview_options = { is_disabled: true };
  if (options.replyToMessageId !== undefined && first) {
    payload.reply_parameters = {
      message_id: options.replyToMessageId,
      allow_sending_without_reply: true,
    };
  }
  return payload;
}

/** `editMessageText` of `messageId` (no thread id: Telegram's edit has none). */
export function editPayload(
  ctx: TransportContext,
  messageId: number | undefined,
  text: FormattedText,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    chat_id: ctx.chatId,
    message_id: messageId,
    ...content(ctx.rich, text),
  };
  if (ctx.options.businessConnectionId !== undefined)
    payload.business_connection_id = ctx.options.businessConnectionId;
  if (!ctx.options.linkPreview) payload.link_preview_options = { is_disabled: true };
  return payload;
}

/** `sendChatAction` with `typing`, shown while the edit transport waits for text. */
export function typingPayload(ctx: TransportContext): Record<string, unknown> {
  const payload: Record<string, unknown> = { chat_id: ctx.chatId, action: "typing" };
  if (ctx.options.threadId !== undefined) payload.message_thread_id = ctx.options.threadId;
  if (ctx.options.businessConnectionId !== undefined)
    payload.business_connection_id = ctx.options.businessConnectionId;
  return payload;
}

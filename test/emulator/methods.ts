/**
 * The Bot API methods the emulator implements, with Telegram's semantics
 * and error replies.
 *
 * Order of checks for every chat-bound call: the chat (`chat not found`,
 * 403 when blocked), then the rate limits (429), then everything else (400).
 * A call that passes the rate limiter takes its slot whatever its outcome,
 * so a bot that spams bad requests is limited like one that spams good ones.
 */

import type { FormattedText, MessageEntity } from "../../shared/types.js";
import { formatText, UnsupportedParseModeError } from "./entities.js";
import { EntityParseError } from "./entity-error.js";
import {
  ApiError,
  badRequest,
  blockedDescription,
  TelegramErrors,
  tooManyRequests,
} from "./errors.js";
import type { BucketRef, RateLimiter, ResolvedEmulatorOptions } from "./limits.js";
import type { Params } from "./params.js";
import { readRichMessage } from "./rich.js";
import { hasLoneSurrogate } from "./text.js";
import { type ChatRegistry, type ChatState, currentVersion, sameEntities } from "./timeline.js";
import type { TextVersion, TimelineMessage } from "./types.js";
import type { UpdateQueue } from "./updates.js";
import { type WebhookDelivery, webhookConflict } from "./webhook.js";

/** One call as a handler sees it. */
export interface MethodContext {
  /** Numeric id of the calling bot (prefix of its token). */
  botId: number;
  /** Key of the bot's own rate limits (its token; never exposed). */
  botKey: string;
  params: Params;
  /** When the call was received, on the emulator clock. */
  at: number;
  /** Aborted when the client goes away (ends a long poll early). */
  signal: AbortSignal;
}

/** The shared state the methods work on. */
export interface MethodDeps {
  options: ResolvedEmulatorOptions;
  chats: ChatRegistry;
  limiter: RateLimiter;
  updates: UpdateQueue;
  webhook: WebhookDelivery;
}

type Handler = (ctx: MethodContext) => unknown;

/** Chat actions Telegram accepts. */
const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

/** What a call counts against: messages (chat + global), deletions (chat only), drafts and chat actions (draft + global). */
type CallKind = "message" | "delete" | "draft";

/** The bot as `getMe` and `from` present it. */
export function botUser(botId: number): Record<string, unknown> {
  return {
    id: botId,
    is_bot: true,
    first_name: "Emulated Bot",
    username: `emulated_${botId}_bot`,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
}

/** A chat as it appears inside a Message. */
export function chatJson(chat: ChatState): Record<string, unknown> {
  if (chat.type === "private") return { id: chat.id, type: "private", first_name: "User" };
  const json: Record<string, unknown> = { id: chat.id, type: chat.type, title: "Emulated chat" };
  if (chat.isForum) json.is_forum = true;
  return json;
}

/** Unix time in seconds, as in Message.date. */
function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** The Bot API surface of the emulator: method name (case-insensitive) to handler. */
export class BotApiMethods {
  private readonly handlers = new Map<string, { name: string; handler: Handler }>();

  constructor(private readonly deps: MethodDeps) {
    const table: Record<string, Handler> = {
      getMe: (ctx) => botUser(ctx.botId),
      getUpdates: (ctx) => this.getUpdates(ctx),
      sendMessage: (ctx) => this.sendMessage(ctx, false),
      sendRichMessage: (ctx) => this.sendMessage(ctx, true),
      editMessageText: (ctx) => this.editMessageText(ctx),
      sendMessageDraft: (ctx) => this.sendDraft(ctx, false),
      sendRichMessageDraft: (ctx) => this.sendDraft(ctx, true),
      sendChatAction: (ctx) => this.sendChatAction(ctx),
      deleteMessage: (ctx) => this.deleteMessage(ctx),
      setMyCommands: () => true,
      deleteMyCommands: () => true,
      setWebhook: (ctx) => this.deps.webhook.set(ctx.params),
      deleteWebhook: (ctx) => this.deps.webhook.remove(ctx.params.bool("drop_pending_updates")),
      getWebhookInfo: () => this.deps.webhook.info(),
    };
    for (const [name, handler] of Object.entries(table)) {
      this.handlers.set(name.toLowerCase(), { name, handler });
    }
  }

  /** The canonical name of a method (Telegram ignores case), or undefined if unknown. */
  canonicalName(method: string): string | undefined {
    return this.handlers.get(method.toLowerCase())?.name;
  }

  /**
   * Run a method. Returns the `result` of the reply.
   * @throws ApiError for every error reply (404 for unknown methods).
   */
  async call(method: string, ctx: MethodContext): Promise<unknown> {
    const entry = this.handlers.get(method.toLowerCase());
    if (!entry) throw new ApiError(404, "Not Found");
    return entry.handler(ctx);
  }

  private async getUpdates(ctx: MethodContext): Promise<unknown> {
    const { params } = ctx;
    if (this.deps.webhook.active) throw webhookConflict();
    const allowed = params.raw.allowed_updates;
    if (
      allowed !== undefined &&
      !(Array.isArray(allowed) && allowed.every((a) => typeof a === "string"))
    ) {
      throw badRequest('field "allowed_updates" must be an Array of String');
    }
    return this.deps.updates.poll({
      offset: params.int("offset"),
      limit: params.int("limit"),
      timeoutMs: Math.max(0, params.int("timeout") ?? 0) * 1000,
      allowedUpdates: allowed as string[] | undefined,
      signal: ctx.signal,
    });
  }

  private sendMessage(ctx: MethodContext, rich: boolean): unknown {
    const { params } = ctx;
    const chat = this.resolveChat(params);
    this.admit(ctx, chat, "message");
    const threadId = this.threadOf(params, chat);
    const version = rich
      ? this.richVersion(params, ctx.at, false)
      : this.textVersion(params, "send", ctx.at);
    const replyTo = this.replyTarget(params, chat);
    const businessConnectionId = params.string("business_connection_id");
    const view = chat.addBotMessage({
      botId: ctx.botId,
      threadId,
      version,
      date: unixNow(),
      businessConnectionId,
      replyToMessageId: replyTo?.messageId,
      replyMarkup: markupKey(params),
    });
    const message = this.messageJson(chat, view, ctx.botId);
    if (replyTo) {
      message.reply_to_message = {
        message_id: replyTo.messageId,
        date: replyTo.date,
        chat: chatJson(chat),
        ...(replyTo.text !== undefined ? { text: replyTo.text } : {}),
      };
    }
    return message;
  }

  private editMessageText(ctx: MethodContext): unknown {
    const { params } = ctx;
    if (params.has("inline_message_id") && !params.has("chat_id")) {
      // The emulator sends no inline messages, so it knows none.
      this.admit(ctx, undefined, "message");
      throw badRequest(TelegramErrors.editNotFound);
    }
    const chat = this.resolveChat(params);
    this.admit(ctx, chat, "message");
    const messageId = params.int("message_id");
    if (messageId === undefined) throw badRequest(TelegramErrors.messageIdMissing);
    const version = params.has("rich_message")
      ? this.richVersion(params, ctx.at, false)
      : this.textVersion(params, "edit", ctx.at);

    const stored = chat.findBotMessage(messageId);
    if (!stored) {
      if (chat.findUserMessage(messageId)) throw badRequest(TelegramErrors.cantEdit);
      throw badRequest(TelegramErrors.editNotFound);
    }
    if (stored.botId !== ctx.botId) throw badRequest(TelegramErrors.cantEdit);

    const current = currentVersion(stored.view);
    const replyMarkup = markupKey(params);
    if (
      current.text === version.text &&
      sameEntities(current.entities, version.entities) &&
      JSON.stringify(current.rich) === JSON.stringify(version.rich) &&
      stored.replyMarkup === replyMarkup
    ) {
      throw badRequest(TelegramErrors.notModified);
    }
    stored.view.versions.push(version);
    stored.replyMarkup = replyMarkup;
    const businessConnectionId = params.string("business_connection_id");
    if (businessConnectionId !== undefined) stored.view.businessConnectionId = businessConnectionId;
    return { ...this.messageJson(chat, stored.view, ctx.botId, stored.date), edit_date: unixNow() };
  }

  private sendDraft(ctx: MethodContext, rich: boolean): unknown {
    const { params } = ctx;
    const chat = this.resolveChat(params);
    this.admit(ctx, chat, "draft");
    if (chat.type !== "private") throw badRequest(TelegramErrors.draftPeerInvalid);
    const draftId = params.int("draft_id");
    if (draftId === undefined || draftId === 0) throw badRequest(TelegramErrors.draftIdZero);
    const threadId = this.threadOf(params, chat);
    const version = rich
      ? this.richVersion(params, ctx.at, true)
      : this.textVersion(params, "draft", ctx.at);
    chat.updateDraft({
      draftId,
      threadId,
      version,
      canStop: params.bool("can_stop"),
      keepOnStop: params.has("keep_on_stop") ? params.bool("keep_on_stop") : undefined,
    });
    return true;
  }

  private sendChatAction(ctx: MethodContext): unknown {
    const { params } = ctx;
    const chat = this.resolveChat(params);
    this.admit(ctx, chat, "draft");
    const action = params.string("action");
    if (action === undefined || !CHAT_ACTIONS.has(action)) {
      throw badRequest(TelegramErrors.badChatAction);
    }
    this.threadOf(params, chat);
    return true;
  }

  private deleteMessage(ctx: MethodContext): unknown {
    const { params } = ctx;
    const chat = this.resolveChat(params);
    this.admit(ctx, chat, "delete");
    const messageId = params.int("message_id");
    if (messageId === undefined) throw badRequest(TelegramErrors.messageIdMissing);
    if (!chat.deleteMessage(messageId, ctx.at)) throw badRequest(TelegramErrors.deleteNotFound);
    return true;
  }

  /** The chat of `chat_id`: `chat_id is empty`, `chat not found` (0, usernames) or 403 when blocked. */
  private resolveChat(params: Params): ChatState {
    const raw = params.raw.chat_id;
    if (raw === undefined || raw === null || raw === "")
      throw badRequest(TelegramErrors.chatIdEmpty);
    const id = typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id === 0) {
      throw badRequest(TelegramErrors.chatNotFound);
    }
    const chat = this.deps.chats.get(id);
    if (chat.blocked) throw new ApiError(403, blockedDescription(chat.type));
    return chat;
  }

  /** Take a rate-limit slot for the call or throw 429. */
  private admit(ctx: MethodContext, chat: ChatState | undefined, kind: CallKind): void {
    if (this.deps.options.unlimited) return;
    const refs: BucketRef[] = [];
    if (chat && kind === "draft") refs.push({ kind: "draft", chatId: chat.id });
    if (chat && kind !== "draft") {
      refs.push({ kind: chat.type === "private" ? "privateChat" : "groupChat", chatId: chat.id });
    }
    if (kind !== "delete") refs.push({ kind: "global" });
    const verdict = this.deps.limiter.admit(ctx.botKey, refs, ctx.at);
    if (!verdict.admitted) throw tooManyRequests(verdict.retryAfter);
  }

  /** `message_thread_id`, checked against the chat's topics when it has any. */
  private threadOf(params: Params, chat: ChatState): number | undefined {
    const threadId = params.int("message_thread_id");
    if (!chat.hasThread(threadId)) throw badRequest(TelegramErrors.threadNotFound);
    return threadId;
  }

  /** The text of a send, edit or draft, parsed and checked as Telegram does. */
  private textVersion(params: Params, mode: "send" | "edit" | "draft", at: number): TextVersion {
    const raw = params.string("text");
    if (raw === undefined && mode !== "draft") throw badRequest(TelegramErrors.textEmpty);
    const source = raw ?? "";
    if (hasLoneSurrogate(source)) throw badRequest(TelegramErrors.notUtf8);
    let formatted: FormattedText;
    try {
      formatted = formatText(source, params.string("parse_mode"), params.raw.entities);
    } catch (error) {
      if (error instanceof EntityParseError) {
        throw badRequest(`can't parse entities: ${error.message}`);
      }
      if (error instanceof UnsupportedParseModeError) {
        throw badRequest(TelegramErrors.unsupportedParseMode);
      }
      throw error;
    }
    if (formatted.text === "" && mode !== "draft") throw badRequest(TelegramErrors.textEmpty);
    if (formatted.text.length > this.deps.options.limits.maxTextLength) {
      throw badRequest(mode === "edit" ? TelegramErrors.editTooLong : TelegramErrors.sendTooLong);
    }
    return { text: formatted.text, entities: formatted.entities, at };
  }

  private richVersion(params: Params, at: number, allowEmpty: boolean): TextVersion {
    const { rich, text } = readRichMessage(params.object("rich_message"), { allowEmpty });
    return { text, entities: [], at, rich };
  }

  /** The message a send replies to, from `reply_parameters` or the legacy `reply_to_message_id`. */
  private replyTarget(
    params: Params,
    chat: ChatState,
  ): { messageId: number; date: number; text?: string } | undefined {
    const replyParameters = params.object("reply_parameters");
    const messageId =
      replyParameters !== undefined
        ? Number(replyParameters.message_id)
        : params.int("reply_to_message_id");
    if (messageId === undefined) return undefined;
    const bot = chat.findBotMessage(messageId);
    if (bot) return { messageId, date: bot.date, text: currentVersion(bot.view).text };
    const user = chat.findUserMessage(messageId);
    if (user) return { messageId, date: user.date, text: user.text };
    const allowWithout =
      replyParameters?.allow_sending_without_reply === true ||
      params.bool("allow_sending_without_reply");
    if (allowWithout) return undefined;
    throw badRequest(TelegramErrors.replyNotFound);
  }

  /** A Message object for a bot message, as sendMessage and editMessageText return it. */
  private messageJson(
    chat: ChatState,
    view: TimelineMessage,
    botId: number,
    date = unixNow(),
  ): Record<string, unknown> {
    const version = currentVersion(view);
    const message: Record<string, unknown> = {
      message_id: view.messageId,
      from: botUser(botId),
      chat: chatJson(chat),
      date,
    };
    if (view.threadId !== undefined) {
      message.message_thread_id = view.threadId;
      if (chat.topics !== undefined) message.is_topic_message = true;
    }
    if (view.businessConnectionId !== undefined) {
      message.business_connection_id = view.businessConnectionId;
    }
    if (version.rich) {
      message.rich_message = {
        blocks: Array.isArray(version.rich.blocks)
          ? version.rich.blocks
          : [{ type: "paragraph", text: version.text }],
      };
    } else {
      message.text = version.text;
      if (version.entities.length > 0) message.entities = version.entities as MessageEntity[];
    }
    return message;
  }
}

/** The reply markup of a call as a comparable key (undefined when none). */
function markupKey(params: Params): string | undefined {
  const markup = params.raw.reply_markup;
  return markup === undefined || markup === null ? undefined : JSON.stringify(markup);
}

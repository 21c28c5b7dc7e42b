import type { Formatter } from "./format/index.js";
import { resolveFormatter } from "./format/index.js";
import type { MessageEntity } from "./types.js";

/** How the text reaches the chat while it streams. */
export type TransportMode =
  /** `sendMessageDraft` while streaming, one `sendMessage` per message to keep it. Private chats only. */
  | "draft"
  /** `sendMessage` once, then `editMessageText`. Every chat type. */
  | "edit"
  /** Draft in private chats, edit elsewhere; falls back to edit if drafts fail. */
  | "auto";

/** A chat's type, as in Telegram's `Chat.type`. */
export type ChatType = "private" | "group" | "supergroup" | "channel";

/** One thing the user's chat now shows, reported through {@link StreamOptions.onUpdate}. */
export interface PlatformUpdate {
  /** `draft`: a draft preview; `send`: a new message; `edit`: an edited message; `final`: a message is finished and persisted; `typing`: a chat action. */
  action: "draft" | "send" | "edit" | "final" | "typing";
  chatId: number | string;
  threadId?: number;
  messageId?: number;
  draftId?: number;
  text: string;
  entities: MessageEntity[];
}

/** Options of one stream. Every field is optional; defaults are documented on each. */
export interface StreamOptions {
  /** Default `"auto"`. */
  transport?: TransportMode;
  /** Shown at the end while streaming, never in a finished message. Default `" ▉"`; `""` for none. At most 32 UTF-16 units. */
  cursor?: string;
  /** How the model's text is rendered: `"plain"` (default in the core), `"markdown"`, `"html"` or a custom {@link Formatter}. */
  format?: "plain" | "markdown" | "html" | Formatter;
  /**
   * Stream as a Bot API 10.1 rich message: the model's Markdown is sent as it
   * is (`rich_message: { markdown }`, up to 32 768 characters per message) with
   * `sendRichMessageDraft`/`sendRichMessage`/`editMessageText`. If the server
   * does not know rich messages, the stream falls back to Markdown rendered as
   * entities. Default false.
   */
  rich?: boolean;
  /** The chat's type; by default guessed from the id (positive ids are private chats). */
  chatType?: ChatType;
  /** Topic (`message_thread_id`) in forum supergroups and private chats with topics. */
  threadId?: number;
  /** Send on behalf of a business account; forces the edit transport (no drafts there). */
  businessConnectionId?: string;
  /** Quote this message in the first message of the reply. */
  replyToMessageId?: number;
  /** Show Telegram's stop button on drafts (`can_stop`); pressing it aborts the stream. Default false. */
  canStop?: boolean;
  /** Aborting it stops reading the source and persists what arrived (result `aborted: true`). */
  signal?: AbortSignal;
  /** Tags whose content is reasoning to hide, e.g. `<think>…</think>`. Default `["think", "thinking"]`; `[]` to show them. */
  hideTags?: readonly string[];
  /** Show reasoning (from the source or hidden tags) as a block quote above the answer. Default false. */
  showReasoning?: boolean;
  /** Applied to the whole answer text of a message before rendering, e.g. to redact. Must return a string. */
  transform?: (text: string) => string;
  /**
   * How long, once the stream has ended, its text may take to reach Telegram
   * (waiting out penalties, retrying, a request that hangs) before the result
   * rejects with the undelivered text. Default 60 000 ms.
   */
  maxFinalWaitMs?: number;
  /** `sendChatAction typing` while the edit transport waits for the first text. Default true. */
  typing?: boolean;
  /** Telegram's link previews jump around while text grows; off by default. */
  linkPreview?: boolean;
  /** Called after every platform update the stream makes. Errors thrown by it are ignored. */
  onUpdate?: (update: PlatformUpdate) => void;
}

/** {@link StreamOptions} after validation, with defaults filled in. */
export interface ResolvedStreamOptions {
  transport: TransportMode;
  cursor: string;
  formatter: Formatter;
  rich: boolean;
  chatType: ChatType | undefined;
  threadId: number | undefined;
  businessConnectionId: string | undefined;
  replyToMessageId: number | undefined;
  canStop: boolean;
  signal: AbortSignal | undefined;
  hideTags: readonly string[];
  showReasoning: boolean;
  transform: ((text: string) => string) | undefined;
  maxFinalWaitMs: number;
  typing: boolean;
  linkPreview: boolean;
  onUpdate: ((update: PlatformUpdate) => void) | undefined;
}

const MAX_CURSOR_LENGTH = 32;

function optionalInteger(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value))
    throw new TypeError(`${name} must be an integer, got ${String(value)}`);
  return value as number;
}

function optionalFunction<T>(name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function")
    throw new TypeError(`${name} must be a function, got ${typeof value}`);
  return value as T;
}

function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new TypeError(`${name} must be true or false, got ${String(value)}`);
  return value;
}

const KNOWN_OPTIONS = new Set<string>([
  "transport",
  "cursor",
  "format",
  "chatType",
  "threadId",
  "businessConnectionId",
  "replyToMessageId",
  "canStop",
  "signal",
  "rich",
  "hideTags",
  "showReasoning",
  "transform",
  "maxFinalWaitMs",
  "typing",
  "linkPreview",
  "onUpdate",
]);

/**
 * Validate stream options and fill in defaults, before any request is made.
 * `defaults` (from the plugin's `streaming()` or the hub) are overridden field by field by `options`.
 *
 * @throws TypeError for a wrong type or an unknown option, RangeError for a value out of range.
 */
export function resolveStreamOptions(
  options: StreamOptions = {},
  defaults: StreamOptions = {},
): ResolvedStreamOptions {
  for (const source of [defaults, options]) {
    if (typeof source !== "object" || source === null)
      throw new TypeError("stream options must be an object");
    for (const key of Object.keys(source)) {
      if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`unknown stream option "${key}"`);
    }
  }
  const o: StreamOptions = { ...defaults, ...options };
  const transport = o.transport ?? "auto";
  if (transport !== "auto" && transport !== "draft" && transport !== "edit") {
    throw new TypeError(
      `transport must be "auto", "draft" or "edit", got ${JSON.stringify(transport)}`,
    );
  }
  const cursor = o.cursor ?? " ▉";
  if (typeof cursor !== "string")
    throw new TypeError(`cursor must be a string, got ${typeof cursor}`);
  if (cursor.length > MAX_CURSOR_LENGTH) {
    throw new RangeError(
      `cursor must be at most ${MAX_CURSOR_LENGTH} UTF-16 units, got ${cursor.length}`,
    );
  }
  const chatType = o.chatType;
  if (chatType !== undefined && !["private", "group", "supergroup", "channel"].includes(chatType)) {
    throw new TypeError(
      `chatType must be "private", "group", "supergroup" or "channel", got ${JSON.stringify(chatType)}`,
    );
  }
  const maxFinalWaitMs = o.maxFinalWaitMs ?? 60_000;
  if (typeof maxFinalWaitMs !== "number" || !(maxFinalWaitMs >= 0)) {
    throw new RangeError(`maxFinalWaitMs must be a number >= 0, got ${String(maxFinalWaitMs)}`);
  }
  const hideTags = o.hideTags ?? ["think", "thinking"];
  if (!Array.isArray(hideTags)) throw new TypeError("hideTags must be an array of tag names");
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw new TypeError("signal must be an AbortSignal");
  if (o.businessConnectionId !== undefined && typeof o.businessConnectionId !== "string") {
    throw new TypeError("businessConnectionId must be a string");
  }
  if (transport === "draft" && o.businessConnectionId !== undefined) {
    throw new TypeError(
      'transport "draft" is not available in business chats; use "auto" or "edit"',
    );
  }
  if (transport === "draft" && chatType !== undefined && chatType !== "private") {
    throw new TypeError(
      `transport "draft" works in private chats only, this chat is a ${chatType}`,
    );
  }
  return {
    transport,
    cursor,
    formatter: resolveFormatter(o.format ?? "plain"),
    rich: optionalBoolean("rich", o.rich, false),
    chatType,
    threadId: optionalInteger("threadId", o.threadId),
    businessConnectionId: o.businessConnectionId,
    replyToMessageId: optionalInteger("replyToMessageId", o.replyToMessageId),
    canStop: optionalBoolean("canStop", o.canStop, false),
    signal: o.signal,
    hideTags,
    showReasoning: optionalBoolean("showReasoning", o.showReasoning, false),
    transform: optionalFunction("transform", o.transform),
    maxFinalWaitMs,
    typing: optionalBoolean("typing", o.typing, true),
    linkPreview: optionalBoolean("linkPreview", o.linkPreview, false),
    onUpdate: optionalFunction("onUpdate", o.onUpdate),
  };
}

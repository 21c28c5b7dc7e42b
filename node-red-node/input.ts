/**
 * Reading a Node-RED message into a stream command: which stream it belongs
 * to, what to do with it, and where the reply goes. Pure functions, so every
 * rule about message shapes is tested without a runtime.
 */
import type { ChatType } from "../shared/options.js";
import type { NodeMessage } from "./red.js";

/** What a message asks of its stream. */
export type StreamCommand = "delta" | "segment" | "done" | "abort";

const COMMANDS: readonly StreamCommand[] = ["delta", "segment", "done", "abort"];

/** A message read by {@link readStreamInput}. */
export interface StreamInput {
  command: StreamCommand;
  /**
   * The stream the message belongs to: `msg.streamId` as a string when set,
   * otherwise `chat:<chatId>` or `chat:<chatId>:<threadId>`. It is also the
   * `streamId` of every message the node sends about the stream.
   */
  streamId: string;
  /** Where a new stream goes; undefined when only `msg.streamId` names the stream. */
  chatId?: number | string;
  threadId?: number;
  /** Quote this message id in the first message of the reply. */
  replyTo?: number;
  /** The chat's type when the Telegram receiver node's `originalMessage` tells it. */
  chatType?: ChatType;
  /** `msg.payload`; read only for `delta`. */
  payload: unknown;
}

/** The telegrambot receiver's `msg.originalMessage`: the Telegram `Message` that started the flow. */
interface OriginalMessage {
  message_id?: unknown;
  message_thread_id?: unknown;
  is_topic_message?: unknown;
  chat?: { id?: unknown; type?: unknown };
}

const CHAT_TYPES: readonly ChatType[] = ["private", "group", "supergroup", "channel"];

/**
 * Read `msg` as a stream command.
 *
 * - The command is `msg.event`; when that is absent, `msg.topic` if it names
 *   a command (other topics are common in flows and are ignored); otherwise
 *   `delta`.
 * - The chat is `msg.chatId`, else `msg.payload.chatId`, else
 *   `msg.originalMessage.chat.id` (the last two as node-red-contrib-telegrambot's
 *   receiver provides them). Numeric strings become numbers; `@channelname`
 *   strings stay strings.
 * - The topic is `msg.threadId`, else the receiver's message thread when it was
 *   a topic message. The reply quotes `msg.replyTo` (a message id) if set.
 * - The stream is `msg.streamId` if set, otherwise the chat and topic.
 *
 * @throws TypeError naming the field that is wrong or missing.
 */
export function readStreamInput(msg: NodeMessage): StreamInput {
  const command = readCommand(msg);
  const original = readOriginalMessage(msg.originalMessage);
  const chatId = readChatId(msg, original);
  const threadId = readThreadId(msg, original);
  const replyTo = optionalMessageId("msg.replyTo", msg.replyTo);
  const chatType = CHAT_TYPES.find((type) => type === original?.chat?.type);

  let streamId: string;
  if (msg.streamId !== undefined && msg.streamId !== null) {
    streamId = readStreamId(msg.streamId);
  } else if (chatId !== undefined) {
    streamId = threadId === undefined ? `chat:${chatId}` : `chat:${chatId}:${threadId}`;
  } else {
    throw new TypeError(
      "streamgram: no chat to stream to. Set msg.chatId (or msg.payload.chatId / msg.originalMessage.chat.id, " +
        "as the Telegram receiver node provides them), or msg.streamId of a stream that is already running",
    );
  }

  const input: StreamInput = { command, streamId, payload: msg.payload };
  if (chatId !== undefined) input.chatId = chatId;
  if (threadId !== undefined) input.threadId = threadId;
  if (replyTo !== undefined) input.replyTo = replyTo;
  if (chatType !== undefined) input.chatType = chatType;
  return input;
}

function readCommand(msg: NodeMessage): StreamCommand {
  if (msg.event !== undefined && msg.event !== null) {
    const command = COMMANDS.find((c) => c === msg.event);
    if (!command) {
      throw new TypeError(
        `streamgram: msg.event must be "delta", "segment", "done" or "abort", got ${show(msg.event)}`,
      );
    }
    return command;
  }
  return COMMANDS.find((c) => c === msg.topic) ?? "delta";
}

function readOriginalMessage(value: unknown): OriginalMessage | undefined {
  return typeof value === "object" && value !== null ? (value as OriginalMessage) : undefined;
}

function readChatId(
  msg: NodeMessage,
  original: OriginalMessage | undefined,
): number | string | undefined {
  const payload = msg.payload;
  const fromPayload =
    typeof payload === "object" && payload !== null
      ? (payload as { chatId?: unknown }).chatId
      : undefined;
  const candidates: Array<[string, unknown]> = [
    ["msg.chatId", msg.chatId],
    ["msg.payload.chatId", fromPayload],
    ["msg.originalMessage.chat.id", original?.chat?.id],
  ];
  for (const [field, value] of candidates) {
    if (value === undefined || value === null) continue;
    return chatIdOf(field, value);
  }
  return undefined;
}

function chatIdOf(field: string, value: unknown): number | string {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value !== 0) return value;
    throw new TypeError(`streamgram: ${field} must be a whole, non-zero chat id, got ${value}`);
  }
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (/^-?[1-9]\d*$/.test(trimmed) && Number.isSafeInteger(Number(trimmed)))
      return Number(trimmed);
    if (/^@[A-Za-z]\w{4,31}$/.test(trimmed)) return trimmed;
  }
  throw new TypeError(
    `streamgram: ${field} must be a chat id (a number such as 123456789, or "@channelname"), got ${show(value)}`,
  );
}

function readThreadId(msg: NodeMessage, original: OriginalMessage | undefined): number | undefined {
  const explicit = optionalMessageId("msg.threadId", msg.threadId);
  if (explicit !== undefined) return explicit;
  // Replies to a message in a topic belong in that topic, not in "General".
  if (original?.is_topic_message === true && Number.isSafeInteger(original.message_thread_id)) {
    return original.message_thread_id as number;
  }
  return undefined;
}

function optionalMessageId(field: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number === "number" && Number.isSafeInteger(number) && number > 0) return number;
  throw new TypeError(`streamgram: ${field} must be a positive whole number, got ${show(value)}`);
}

function readStreamId(value: unknown): string {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new TypeError(
    `streamgram: msg.streamId must be a non-empty string or a number, got ${show(value)}`,
  );
}

/** A short description of a value for error messages. */
export function show(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object")
    return `an object with keys ${Object.keys(value).slice(0, 5).join(", ") || "(none)"}`;
  return `${typeof value} ${String(value)}`;
}

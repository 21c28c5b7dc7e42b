/**
 * Public types of the Telegram Bot API emulator. Every integration test and
 * benchmark of streamgram codes against these shapes, so they change only
 * by addition.
 */

import type { Update } from "grammy/types";
import type { MessageEntity } from "../../shared/types.js";

export type { Update };

/** At most `limit` calls in any `windowMs` milliseconds (sliding window). */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/**
 * The limits the emulator enforces, per bot token. Every window of a bucket
 * must have room for a call to be admitted.
 */
export interface EmulatorLimits {
  /**
   * `sendMessage`, `editMessageText`, `sendRichMessage` and `deleteMessage` per
   * private chat. Default `[{limit:3,windowMs:2000},{limit:22,windowMs:20000}]`
   * ("about 1/s, short bursts tolerated").
   */
  privateChat: RateWindow[];
  /** The same per group, supergroup or channel. Default `[{limit:3,windowMs:2000},{limit:20,windowMs:60000}]`. */
  groupChat: RateWindow[];
  /**
   * Every sending call of the bot across chats: sends, edits, drafts and chat
   * actions (not `deleteMessage`). Default `[{limit:30,windowMs:1000}]`.
   */
  global: RateWindow[];
  /**
   * `sendMessageDraft`, `sendRichMessageDraft` and `sendChatAction` per chat.
   * Default `[{limit:20,windowMs:5000},{limit:40,windowMs:30000}]`.
   */
  draft: RateWindow[];
  /** A draft vanishes this long after its last update. Default 30000. */
  draftTtlMs: number;
  /** Maximum text length in UTF-16 code units, after entity parsing. Default 4096. */
  maxTextLength: number;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Overrides merged over the defaults; a window list given here replaces the default list. */
  limits?: Partial<EmulatorLimits>;
  /**
   * Multiplies every window, penalty duration and the draft TTL, so tests run
   * fast: `timeScale: 0.05` makes a 1 s window last 50 ms. `retry_after` is
   * still reported in (unscaled, integer) seconds, and the penalty it
   * announces lasts `retry_after * 1000 * timeScale` ms. Long-poll timeouts and
   * fault delays are not scaled. Default 1.
   */
  timeScale?: number;
  /** Turn rate limiting off entirely (for tests that are not about limits). Default false. */
  unlimited?: boolean;
  /** Timeout and back-off of webhook delivery (see {@link WebhookOptions}). */
  webhook?: WebhookOptions;
  /** TCP port on 127.0.0.1; 0 picks a free one. Default 0. */
  port?: number;
}

/**
 * How the emulator delivers updates to a webhook. Every duration is
 * multiplied by `timeScale`, like the rate windows. Telegram publishes
 * neither its timeout nor its retry schedule; the defaults are stand-ins.
 */
export interface WebhookOptions {
  /** Wait this long for the webhook's answer, then give up and deliver the update again. Default 60 000. */
  timeoutMs?: number;
  /** Pause before the first redelivery; it doubles after each failure in a row. Default 1000. */
  retryDelayMs?: number;
  /** The longest pause between redeliveries. Default 32 000. */
  maxRetryDelayMs?: number;
}

/** One attempt to deliver an update to the webhook. */
export interface WebhookAttempt {
  updateId: number;
  /** 1 for the first delivery of this update, 2 for the first redelivery, ... */
  attempt: number;
  /** When the POST started, on the emulator clock. */
  at: number;
  /** When it ended; absent while `pending`. */
  answeredAt?: number;
  /** `ok`: a 2xx answer (the update is confirmed); `timeout`: no answer in time; `error`: another status or a failed connection. */
  outcome: "pending" | "ok" | "timeout" | "error";
  /** The HTTP status, when an answer came. */
  status?: number;
  /** What went wrong, for `error`. */
  error?: string;
}

/** Kinds of chat the emulator knows. */
export type ChatType = "private" | "group" | "supergroup" | "channel";

/** How a chat is registered with {@link Emulator.addChat}. */
export interface ChatSpec {
  id: number;
  type: ChatType;
  /** A forum supergroup: `message_thread_id` must name one of `topics`. */
  isForum?: boolean;
  /** Known topic ids of a forum supergroup, or of a private chat with topics. */
  topics?: number[];
  /** A private chat with topics (bot forum topic mode): `message_thread_id` must name one of `topics`. */
  hasTopics?: boolean;
}

/** One API call as the emulator received and answered it. */
export interface CallRecord {
  /** Method name as it appeared in the URL. */
  method: string;
  /** The bot id (numeric prefix of the token); the secret part is never stored. */
  token: string;
  /** `chat_id` of the call when it was numeric. */
  chatId?: number;
  /** The parameters as parsed (JSON values; form fields decoded the way Telegram does). */
  params: Record<string, unknown>;
  /** When the call was received, on the emulator clock ({@link Emulator.now}). */
  at: number;
  /** HTTP status of the reply; 0 while unanswered and for calls whose socket was reset or that hang. */
  status: number;
  ok: boolean;
  description?: string;
  retryAfter?: number;
  /** When the reply went out (or the socket was reset), on the emulator clock. */
  answeredAt?: number;
  /** The injected fault that shaped this call, if any. */
  fault?: "error" | "reset" | "delay" | "hang" | "resetAfterApply";
}

/**
 * A fault to inject into the next matching call. `nth` counts matching calls
 * from the moment the fault is injected (1 = the next one, the default);
 * `chatId` narrows the match to one chat.
 * - `error`: reply with this error; the call is not applied and uses no rate-limit slot.
 * - `reset`: destroy the socket without a reply; the call is not applied.
 * - `delayMs`: apply the call normally but send the reply this many (real) ms late.
 * - `hang`: never reply (until {@link Emulator.close}); the call is not applied.
 * - `resetAfterApply`: apply the call, then destroy the socket (the client cannot know the outcome).
 */
export type Fault =
  | {
      method: string;
      nth?: number;
      chatId?: number;
      error: { code: number; description: string; retryAfter?: number };
    }
  | { method: string; nth?: number; chatId?: number; reset: true }
  | { method: string; nth?: number; chatId?: number; delayMs: number }
  | { method: string; nth?: number; chatId?: number; hang: true }
  | { method: string; nth?: number; chatId?: number; resetAfterApply: true };

/** One state of a message or draft as the user saw it. */
export interface TextVersion {
  text: string;
  entities: MessageEntity[];
  /** When this version appeared, on the emulator clock. */
  at: number;
  /** For rich messages: the `rich_message` object as sent; `text` is then its plain text. */
  rich?: Record<string, unknown>;
}

/** A message the bot sent, with every version the user saw. */
export interface TimelineMessage {
  messageId: number;
  threadId?: number;
  versions: TextVersion[];
  deletedAt?: number;
  businessConnectionId?: string;
  replyToMessageId?: number;
}

/** Why a draft left the screen. */
export type DraftVanishReason =
  /** The bot sent a message in the same chat and topic. */
  | "message"
  /** `draftTtlMs` passed without an update. */
  | "ttl"
  /** The bot started a draft with another `draft_id` in the same chat and topic. */
  | "replaced"
  /** The user pressed stop on a draft sent with `can_stop` and without `keep_on_stop`. */
  | "stopped";

/** A draft (streamed preview), with every version the user saw. */
export interface TimelineDraft {
  draftId: number;
  threadId?: number;
  versions: TextVersion[];
  canStop: boolean;
  keepOnStop?: boolean;
  /** When the user pressed stop ({@link Emulator.pressStop}). */
  stoppedAt?: number;
  vanishedAt?: number;
  vanishReason?: DraftVanishReason;
}

/** What the user of one chat sees and saw. */
export interface ChatTimeline {
  chatId: number;
  /** Messages of bots, in the order they were sent (deleted ones included, with `deletedAt`). */
  messages: TimelineMessage[];
  /** Drafts in the order they appeared. */
  drafts: TimelineDraft[];
}

/** Counters over every call received so far. */
export interface EmulatorStats {
  /** Calls received, by method name. */
  calls: Record<string, number>;
  total: number;
  /** Replies with status 429. */
  tooManyRequests: number;
  /** Replies with status >= 400 (429 included). */
  errors: number;
}

/** A running emulator. Create one with {@link startEmulator}. */
export interface Emulator {
  /** `"http://127.0.0.1:PORT"`; pass as grammY's `client.apiRoot`. */
  readonly apiRoot: string;
  /** Answer pending long polls with no updates, drop hanging sockets and stop the server. */
  close(): Promise<void>;
  /** The emulator clock: `performance.now()`, the clock of every `at` field. */
  now(): number;
  /**
   * Register a chat. Unregistered positive ids are private chats and negative
   * ids supergroups, without topics. Throws RangeError/TypeError on bad input.
   */
  addChat(chat: ChatSpec): void;
  /** Every API call received, in the order received. */
  readonly calls: CallRecord[];
  /** Counts by method, number of 429 replies, number of error replies. */
  stats(): EmulatorStats;
  /** A snapshot of what the user of `chatId` sees and saw. */
  timeline(chatId: number): ChatTimeline;
  /** Bot messages the user sees now (not deleted), in order; only those of `threadId` when given. */
  visibleMessages(chatId: number, threadId?: number): TimelineMessage[];
  /**
   * The text the user sees now: the latest text of every visible message
   * joined with "\n", followed by the live draft's text when `includeDraft`.
   */
  visibleText(chatId: number, options?: { threadId?: number; includeDraft?: boolean }): string;
  /** Inject a fault into a later call. */
  injectFault(fault: Fault): void;
  /** Remove every fault not yet triggered. */
  clearFaults(): void;
  /** The user deletes a message: later edits answer "message to edit not found". */
  deleteMessageAsUser(chatId: number, messageId: number): void;
  /** The user blocks the bot: every later call to that chat answers 403. */
  blockBot(chatId: number): void;
  /** Queue a user text message as an update for getUpdates; returns the Update. */
  sendUserMessage(
    chatId: number,
    text: string,
    options?: {
      threadId?: number;
      from?: { id: number; first_name: string };
      businessConnectionId?: string;
    },
  ): Update;
  /** The user presses stop on a draft: queue a `stopped_message_generation` update. */
  pressStop(chatId: number, draftId: number, threadId?: number): Update;
  /** Queue any raw update; `update_id` is assigned. */
  injectUpdate(update: Omit<Update, "update_id">): Update;
  /**
   * Every attempt to deliver an update to the webhook set with `setWebhook`,
   * in order (redeliveries included).
   */
  readonly webhookAttempts: WebhookAttempt[];
  /**
   * Resolves with the first call matching `predicate`, looking at the calls
   * already received first (answered or still pending, like a long poll).
   * The predicate sees each call when it arrives (`status` 0, no
   * `answeredAt`) and again when it is answered: test `c.ok` or `c.status`
   * to wait for the answer. Rejects after `timeoutMs` (default 5000, real ms).
   */
  waitForCall(predicate: (c: CallRecord) => boolean, timeoutMs?: number): Promise<CallRecord>;
}

/**
 * What happens in each chat: the messages bots sent (every version of them),
 * the user's own messages, and the drafts shown while a bot streams.
 *
 * Draft expiry is computed lazily: whenever a chat is looked at, drafts whose
 * last update is older than the TTL are marked vanished at the exact moment
 * they expired, so no timers are needed and the timeline is exact.
 */

import type { MessageEntity } from "../../shared/types.js";
import type {
  ChatSpec,
  ChatTimeline,
  ChatType,
  DraftVanishReason,
  TextVersion,
  TimelineDraft,
  TimelineMessage,
} from "./types.js";

/** A bot message plus what only the emulator needs to know about it. */
interface StoredMessage {
  view: TimelineMessage;
  /** Id of the bot that sent it; only that bot may edit it. */
  botId: number;
  /** Unix time (seconds) it was sent. */
  date: number;
  /** JSON of the reply markup, compared by "message is not modified". */
  replyMarkup: string | undefined;
}

/** A message the user sent (only its existence and basics matter). */
interface UserMessage {
  messageId: number;
  date: number;
  text: string;
  threadId?: number;
  deleted: boolean;
}

const TYPES: readonly ChatType[] = ["private", "group", "supergroup", "channel"];

function sameThread(a: number | undefined, b: number | undefined): boolean {
  return (a ?? 0) === (b ?? 0);
}

function lastVersion<T>(versions: T[]): T {
  return versions[versions.length - 1] as T;
}

/** One chat: its kind, topics, messages and drafts. */
export class ChatState {
  readonly id: number;
  readonly type: ChatType;
  /** Known topics when `message_thread_id` is checked (forums, private chats with topics). */
  readonly topics: ReadonlySet<number> | undefined;
  readonly isForum: boolean;
  blocked = false;
  private nextMessageId = 1;
  private readonly messages: StoredMessage[] = [];
  private readonly userMessages = new Map<number, UserMessage>();
  private readonly drafts: TimelineDraft[] = [];

  /**
   * @param spec how the chat was registered.
   * @param draftTtlMs how long (scaled ms) a draft stays after its last update.
   */
  constructor(
    spec: ChatSpec,
    private readonly draftTtlMs: number,
  ) {
    this.id = spec.id;
    this.type = spec.type;
    this.isForum = spec.type !== "private" && spec.isForum === true;
    const checksTopics =
      this.isForum ||
      (spec.type === "private" && (spec.hasTopics === true || spec.topics !== undefined));
    this.topics = checksTopics ? new Set(spec.topics ?? []) : undefined;
  }

  /** True if a message may go to `threadId` in this chat (always, unless the chat has topics). */
  hasThread(threadId: number | undefined): boolean {
    return threadId === undefined || this.topics === undefined || this.topics.has(threadId);
  }

  /** The id the next message of this chat will get (bot and user messages share the sequence). */
  private takeMessageId(): number {
    return this.nextMessageId++;
  }

  /**
   * Record a message sent by bot `botId`. Drafts of the same topic vanish at
   * `at` (Telegram replaces the preview by the message).
   */
  addBotMessage(input: {
    botId: number;
    threadId?: number;
    version: TextVersion;
    date: number;
    businessConnectionId?: string;
    replyToMessageId?: number;
    replyMarkup?: string;
  }): TimelineMessage {
    this.expireDrafts(input.version.at);
    this.vanishDrafts(input.threadId, input.version.at, "message");
    const view: TimelineMessage = { messageId: this.takeMessageId(), versions: [input.version] };
    if (input.threadId !== undefined) view.threadId = input.threadId;
    if (input.businessConnectionId !== undefined) {
      view.businessConnectionId = input.businessConnectionId;
    }
    if (input.replyToMessageId !== undefined) view.replyToMessageId = input.replyToMessageId;
    this.messages.push({
      view,
      botId: input.botId,
      date: input.date,
      replyMarkup: input.replyMarkup,
    });
    return view;
  }

  /** Record a message the user sent; returns its id. */
  addUserMessage(text: string, date: number, threadId?: number): number {
    const messageId = this.takeMessageId();
    const message: UserMessage = { messageId, date, text, deleted: false };
    if (threadId !== undefined) message.threadId = threadId;
    this.userMessages.set(messageId, message);
    return messageId;
  }

  /** A bot message that is not deleted, or undefined. */
  findBotMessage(messageId: number): StoredMessage | undefined {
    const stored = this.messages.find((m) => m.view.messageId === messageId);
    return stored && stored.view.deletedAt === undefined ? stored : undefined;
  }

  /** A user message that is not deleted, or undefined. */
  findUserMessage(messageId: number): UserMessage | undefined {
    const message = this.userMessages.get(messageId);
    return message && !message.deleted ? message : undefined;
  }

  /** True if a message (bot's or user's) with this id exists and is not deleted. */
  hasMessage(messageId: number): boolean {
    return (
      this.findBotMessage(messageId) !== undefined || this.findUserMessage(messageId) !== undefined
    );
  }

  /** Mark a message deleted at `at`; returns false if there was none to delete. */
  deleteMessage(messageId: number, at: number): boolean {
    const bot = this.findBotMessage(messageId);
    if (bot) {
      bot.view.deletedAt = at;
      return true;
    }
    const user = this.findUserMessage(messageId);
    if (user) {
      user.deleted = true;
      return true;
    }
    return false;
  }

  /**
   * Show a draft: the same `draftId` as the live draft of the topic updates
   * (animates) it, any other id replaces it.
   */
  updateDraft(input: {
    draftId: number;
    threadId?: number;
    version: TextVersion;
    canStop: boolean;
    keepOnStop?: boolean;
  }): TimelineDraft {
    const at = input.version.at;
    this.expireDrafts(at);
    const live = this.liveDraft(input.threadId);
    if (live && live.draftId === input.draftId) {
      live.versions.push(input.version);
      live.canStop = input.canStop;
      if (input.keepOnStop !== undefined) live.keepOnStop = input.keepOnStop;
      return live;
    }
    if (live) this.vanish(live, at, "replaced");
    const draft: TimelineDraft = {
      draftId: input.draftId,
      versions: [input.version],
      canStop: input.canStop,
    };
    if (input.threadId !== undefined) draft.threadId = input.threadId;
    if (input.keepOnStop !== undefined) draft.keepOnStop = input.keepOnStop;
    this.drafts.push(draft);
    return draft;
  }

  /**
   * The user pressed stop on draft `draftId` of a topic: record it, and the
   * draft vanishes unless it was sent with `keep_on_stop`.
   */
  stopDraft(draftId: number, threadId: number | undefined, at: number): void {
    this.expireDrafts(at);
    const live = this.liveDraft(threadId);
    if (!live || live.draftId !== draftId) return;
    live.stoppedAt = at;
    if (!live.keepOnStop) this.vanish(live, at, "stopped");
  }

  /** Mark drafts whose last update is a TTL or more before `now` as vanished when they expired. */
  expireDrafts(now: number): void {
    for (const draft of this.drafts) {
      if (draft.vanishedAt !== undefined) continue;
      const expiresAt = lastVersion(draft.versions).at + this.draftTtlMs;
      if (expiresAt <= now) this.vanish(draft, expiresAt, "ttl");
    }
  }

  /** The draft on screen in a topic at `now`, if any. */
  draftOnScreen(threadId: number | undefined, now: number): TimelineDraft | undefined {
    this.expireDrafts(now);
    return this.liveDraft(threadId);
  }

  private liveDraft(threadId: number | undefined): TimelineDraft | undefined {
    return this.drafts.find((d) => d.vanishedAt === undefined && sameThread(d.threadId, threadId));
  }

  /** Deep copies of the bot messages not deleted, in order; of topic `threadId` only when given. */
  visibleMessages(threadId?: number): TimelineMessage[] {
    const visible = this.messages
      .map((m) => m.view)
      .filter(
        (view) =>
          view.deletedAt === undefined &&
          (threadId === undefined || sameThread(view.threadId, threadId)),
      );
    return structuredClone(visible);
  }

  /** A deep copy of the chat's history as of `now`. */
  snapshot(now: number): ChatTimeline {
    this.expireDrafts(now);
    return structuredClone({
      chatId: this.id,
      messages: this.messages.map((m) => m.view),
      drafts: this.drafts,
    });
  }

  private vanishDrafts(threadId: number | undefined, at: number, reason: DraftVanishReason): void {
    for (const draft of this.drafts) {
      if (draft.vanishedAt === undefined && sameThread(draft.threadId, threadId)) {
        this.vanish(draft, at, reason);
      }
    }
  }

  private vanish(draft: TimelineDraft, at: number, reason: DraftVanishReason): void {
    draft.vanishedAt = at;
    draft.vanishReason = reason;
  }
}

/** The current text and entities of a message or draft. */
export function currentVersion(item: { versions: TextVersion[] }): TextVersion {
  return lastVersion(item.versions);
}

/** Compare entity lists as Telegram does for "message is not modified". */
export function sameEntities(a: MessageEntity[], b: MessageEntity[]): boolean {
  return JSON.stringify(a.map(canonicalEntity)) === JSON.stringify(b.map(canonicalEntity));
}

function canonicalEntity(entity: MessageEntity): unknown[] {
  return [
    entity.type,
    entity.offset,
    entity.length,
    entity.url ?? null,
    entity.language ?? null,
    entity.custom_emoji_id ?? null,
  ];
}

/** Every chat the emulator has seen, created on first use. */
export class ChatRegistry {
  private readonly chats = new Map<number, ChatState>();

  /** @param draftTtlMs how long (scaled ms) a draft stays after its last update. */
  constructor(private readonly draftTtlMs: number) {}

  /**
   * Register a chat explicitly (replacing any earlier registration).
   * @throws TypeError/RangeError when the spec is malformed.
   */
  add(spec: ChatSpec): ChatState {
    if (typeof spec !== "object" || spec === null)
      throw new TypeError("addChat needs a chat object");
    if (!Number.isSafeInteger(spec.id) || spec.id === 0) {
      throw new RangeError(`chat id must be a non-zero integer, got ${spec.id}`);
    }
    if (!TYPES.includes(spec.type)) {
      throw new RangeError(`chat type must be one of ${TYPES.join(", ")}, got ${spec.type}`);
    }
    if (spec.type === "private" && spec.id < 0) {
      throw new RangeError(`a private chat needs a positive id, got ${spec.id}`);
    }
    if (spec.type !== "private" && spec.id > 0) {
      throw new RangeError(`a ${spec.type} chat needs a negative id, got ${spec.id}`);
    }
    if (
      spec.topics !== undefined &&
      (!Array.isArray(spec.topics) || !spec.topics.every((t) => Number.isSafeInteger(t) && t > 0))
    ) {
      throw new TypeError("topics must be an array of positive integers");
    }
    const chat = new ChatState(spec, this.draftTtlMs);
    this.chats.set(spec.id, chat);
    return chat;
  }

  /** The chat with this id; unknown positive ids are private chats, negative ones supergroups. */
  get(id: number): ChatState {
    let chat = this.chats.get(id);
    if (!chat) {
      chat = new ChatState({ id, type: id > 0 ? "private" : "supergroup" }, this.draftTtlMs);
      this.chats.set(id, chat);
    }
    return chat;
  }
}

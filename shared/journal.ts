/**
 * The hook through which a stream tells its hub what each chat shows of a
 * message still streaming, so that another process can finish that message if
 * this one dies (see `shared/redis/coordination.ts`). Without Redis the hub has
 * no journal and streams report nothing.
 */
import type { MessageEntity } from "./types.js";

/** What a chat shows now of one message still streaming. */
export interface OpenMessage {
  chatId: number | string;
  /** The topic (`message_thread_id`), if the message is in one. */
  threadId?: number;
  /** Sent on behalf of a business account. */
  businessConnectionId?: string;
  /** `draft`: the chat shows a draft (`sendMessageDraft`); `edit`: a message that is being edited. */
  transport: "draft" | "edit";
  /** The stream's id of this message; with `chatId`, the message's key in the journal. */
  draftId: number;
  /** The message being edited (edit transport, once sent). */
  messageId?: number;
  /** The text and entities the user was last shown (cursor included). */
  text: string;
  entities: MessageEntity[];
  /**
   * The cursor at the end of `text`, stripped when the message is finished by
   * recovery. Default: the hub's default cursor (`" ▉"` unless changed).
   */
  cursor?: string;
}

/**
 * Where a stream reports what it shows. Calls are cheap and synchronous: an
 * implementation coalesces them and writes in the background, and never
 * throws into the stream.
 */
export interface StreamJournal {
  /** The message is shown (a draft, a send or an edit of a preview); called after each such call succeeded. */
  shown(message: OpenMessage): void;
  /** The message with this draft id is finished (persisted or dropped): forget it. */
  closed(chatId: number | string, draftId: number): void;
}

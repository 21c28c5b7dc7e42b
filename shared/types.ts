/**
 * Types shared by every part of streamgram. Kept free of grammY and Node-RED
 * imports: the core only knows the Bot API's JSON shapes.
 */

/** A Telegram `MessageEntity`: offsets and lengths are in UTF-16 code units. */
export interface MessageEntity {
  type:
    | "bold"
    | "italic"
    | "underline"
    | "strikethrough"
    | "spoiler"
    | "code"
    | "pre"
    | "text_link"
    | "blockquote"
    | "expandable_blockquote"
    | "url"
    | "mention"
    | "hashtag"
    | "cashtag"
    | "bot_command"
    | "email"
    | "phone_number"
    | "text_mention"
    | "custom_emoji"
    | "date_time";
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

/** Visible text plus the entities that format it; what a Telegram message carries. */
export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

/**
 * One event of a stream, after a source has been normalised.
 * - `delta`: visible answer text to append.
 * - `reasoning`: model reasoning text (hidden unless the consumer is asked to show it).
 * - `segment`: a tool boundary; finish the current message and continue in a new one below.
 * - `done`: the source is complete.
 */
export type StreamEvent =
  | { type: "delta"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "segment" }
  | { type: "done" };

/** The parts of a Telegram `Message` that streamgram reads. Extra fields are kept as they came. */
export interface SentMessage {
  message_id: number;
  date: number;
  chat: { id: number; type: string };
  message_thread_id?: number;
  text?: string;
  entities?: MessageEntity[];
  [key: string]: unknown;
}

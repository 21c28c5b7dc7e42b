/**
 * What the user does, as updates: text messages (with the bot_command
 * entities Telegram adds, which grammY's `bot.command()` relies on) and
 * presses of a draft's stop button.
 */

import type { MessageEntity } from "../../shared/types.js";

/**
 * `bot_command` entities of a text, found the way Telegram finds them: a `/`
 * not preceded by a word character, 1-64 of `[A-Za-z0-9_]`, optionally
 * `@botname`, not followed by a word character.
 */
export function botCommandEntities(text: string): MessageEntity[] {
  const pattern =
    /(?<![\p{L}\p{N}_/<>])\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\p{L}\p{N}_/<>@])/gu;
  return [...text.matchAll(pattern)].map((match) => ({
    type: "bot_command",
    offset: match.index,
    length: match[0].length,
  }));
}

/** The user as `from` of their messages. */
export interface UserSpec {
  id: number;
  first_name: string;
}

/** A text message of the user, as it appears in an update. */
export function userMessage(input: {
  messageId: number;
  date: number;
  chat: Record<string, unknown>;
  from: UserSpec;
  text: string;
  threadId?: number;
  isTopicMessage: boolean;
  businessConnectionId?: string;
}): Record<string, unknown> {
  const message: Record<string, unknown> = {
    message_id: input.messageId,
    from: { ...input.from, is_bot: false },
    chat: input.chat,
    date: input.date,
    text: input.text,
  };
  const entities = botCommandEntities(input.text);
  if (entities.length > 0) message.entities = entities;
  if (input.threadId !== undefined) {
    message.message_thread_id = input.threadId;
    if (input.isTopicMessage) message.is_topic_message = true;
  }
  if (input.businessConnectionId !== undefined) {
    message.business_connection_id = input.businessConnectionId;
  }
  return message;
}

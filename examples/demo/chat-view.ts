/**
 * What the page shows, built from the emulator: each chat as its user sees
 * it (the user's messages, the bot's messages at their latest version, the
 * live draft) and that chat's counters (API calls, 429s, lag).
 */

import type { MessageEntity } from "../../shared/index.js";
import type { Emulator } from "../../test/emulator/index.js";
import type { LagFigures, LagMeter } from "./lag-meter.js";

/** A message on the page. */
export interface PageMessage {
  id: number;
  from: "bot" | "user";
  text: string;
  entities: MessageEntity[];
  /** How many times the bot edited it. */
  edits: number;
}

/** The draft on screen: a preview the bot is still writing. */
export interface PageDraft {
  draftId: number;
  text: string;
  entities: MessageEntity[];
  canStop: boolean;
}

/** One chat of the page. */
export interface PageChat {
  /** The switch's key. */
  key: "private" | "group";
  chatId: number;
  title: string;
  messages: PageMessage[];
  draft: PageDraft | null;
  /** The bot sent a chat action in the last 5 s (scaled). */
  typing: boolean;
  /** A reply is streaming in this chat. */
  replying: boolean;
  /** Lag of the chat's latest reply. */
  lag: LagFigures | null;
  /** The bot's calls to this chat. */
  calls: CallCounts;
}

/** Counters of the bot's calls to one chat. */
export interface CallCounts {
  total: number;
  tooManyRequests: number;
  byMethod: Record<string, number>;
}

/** Everything the page shows. */
export interface PageState {
  chats: PageChat[];
  timeScale: number;
}

/** A chat the demo knows: its id, title, and the messages its user sent. */
export interface DemoChat {
  key: "private" | "group";
  chatId: number;
  title: string;
  userMessages: { id: number; text: string }[];
}

/** How long a chat action shows in Telegram. */
const CHAT_ACTION_MS = 5000;

/** Build the page's state from the emulator's records. */
export function pageState(
  emulator: Emulator,
  chats: readonly DemoChat[],
  meter: LagMeter,
  timeScale: number,
): PageState {
  const now = emulator.now();
  // Only calls to a chat count: polling and start-up (getUpdates, getMe) are not streaming.
  const counts = new Map<number, CallCounts>();
  const lastAction = new Map<number, number>();
  for (const call of emulator.calls) {
    if (call.chatId === undefined) continue;
    let chatCounts = counts.get(call.chatId);
    if (!chatCounts) {
      chatCounts = { total: 0, tooManyRequests: 0, byMethod: {} };
      counts.set(call.chatId, chatCounts);
    }
    chatCounts.total++;
    chatCounts.byMethod[call.method] = (chatCounts.byMethod[call.method] ?? 0) + 1;
    if (call.status === 429) chatCounts.tooManyRequests++;
    if (call.method === "sendChatAction" && call.ok) lastAction.set(call.chatId, call.at);
  }
  return {
    chats: chats.map((chat) => {
      const timeline = emulator.timeline(chat.chatId);
      const messages: PageMessage[] = [
        ...chat.userMessages.map((m) => ({
          id: m.id,
          from: "user" as const,
          text: m.text,
          entities: [],
          edits: 0,
        })),
        ...timeline.messages
          .filter((m) => m.deletedAt === undefined)
          .map((m) => {
            const latest = m.versions[m.versions.length - 1];
            return {
              id: m.messageId,
              from: "bot" as const,
              text: latest?.text ?? "",
              entities: latest?.entities ?? [],
              edits: m.versions.length - 1,
            };
          }),
      ].sort((a, b) => a.id - b.id);
      const live = timeline.drafts.find((d) => d.vanishedAt === undefined);
      const version = live?.versions[live.versions.length - 1];
      const reply = meter.latestOf(chat.chatId);
      const actionAt = lastAction.get(chat.chatId);
      return {
        key: chat.key,
        chatId: chat.chatId,
        title: chat.title,
        messages,
        draft:
          live && version
            ? {
                draftId: live.draftId,
                text: version.text,
                entities: version.entities,
                canStop: live.canStop,
              }
            : null,
        typing: actionAt !== undefined && now - actionAt < CHAT_ACTION_MS * timeScale,
        replying: reply !== undefined && !reply.finished,
        lag: reply ? reply.figures(timeline, now) : null,
        calls: counts.get(chat.chatId) ?? { total: 0, tooManyRequests: 0, byMethod: {} },
      };
    }),
    timeScale,
  };
}

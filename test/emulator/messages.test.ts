import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiReply, callApi, TEST_TOKEN } from "./call-api.js";
import { startEmulator } from "./server.js";
import type { Emulator } from "./types.js";

interface Message {
  message_id: number;
  date: number;
  chat: { id: number; type: string };
  from: { id: number; is_bot: boolean };
  text?: string;
  entities?: unknown[];
  message_thread_id?: number;
  business_connection_id?: string;
  reply_to_message?: { message_id: number };
  edit_date?: number;
  rich_message?: unknown;
}

let emulator: Emulator;
/** A fresh private chat per test, so tests do not share messages. */
let nextChat = 1;
const freshChat = () => nextChat++;

beforeAll(async () => {
  emulator = await startEmulator({ unlimited: true });
});
afterAll(() => emulator.close());

const api = <T = Message>(method: string, params: Record<string, unknown>, token?: string) =>
  callApi<T>(emulator.apiRoot, method, params, token ? { token } : {});

function expectError(reply: ApiReply, code: number, description: string): void {
  expect(reply.status).toBe(code);
  expect(reply.body).toEqual({ ok: false, error_code: code, description });
}

async function sendText(chatId: number, text: string, extra: Record<string, unknown> = {}) {
  const reply = await api("sendMessage", { chat_id: chatId, text, ...extra });
  if (!reply.body.result) throw new Error(`send failed: ${reply.body.description}`);
  return reply.body.result;
}

describe("sendMessage", () => {
  it("returns a full Message: increasing ids per chat, chat, sender, date, text, entities", async () => {
    const chat = freshChat();
    const other = freshChat();
    const before = Math.floor(Date.now() / 1000);
    const first = await sendText(chat, "hello *world*", { parse_mode: "MarkdownV2" });
    const second = await sendText(chat, "again");
    const elsewhere = await sendText(other, "hi");
    expect(first).toMatchObject({
      message_id: 1,
      chat: { id: chat, type: "private" },
      from: { id: 123456, is_bot: true },
      text: "hello world",
      entities: [{ type: "bold", offset: 6, length: 5 }],
    });
    expect(first.date).toBeGreaterThanOrEqual(before);
    expect(second.message_id).toBe(2);
    expect(second.entities).toBeUndefined();
    expect(elsewhere.message_id).toBe(1);
  });

  it("reports the thread and a minimal reply_to_message", async () => {
    const chat = freshChat();
    const first = await sendText(chat, "question");
    const answer = await sendText(chat, "answer", {
      message_thread_id: 7,
      reply_parameters: { message_id: first.message_id },
    });
    expect(answer.message_thread_id).toBe(7);
    expect(answer.reply_to_message).toMatchObject({
      message_id: first.message_id,
      text: "question",
    });
    expect(emulator.timeline(chat).messages[1]).toMatchObject({ threadId: 7, replyToMessageId: 1 });
    expectError(
      await api("sendMessage", { chat_id: chat, text: "x", reply_parameters: { message_id: 99 } }),
      400,
      "Bad Request: message to be replied not found",
    );
  });

  it("accepts 2048 emoji (4096 UTF-16 units) and rejects 2049", async () => {
    const chat = freshChat();
    const sent = await api("sendMessage", { chat_id: chat, text: "😀".repeat(2048) });
    expect(sent.status).toBe(200);
    expectError(
      await api("sendMessage", { chat_id: chat, text: "😀".repeat(2049) }),
      400,
      "Bad Request: message is too long",
    );
    expectError(
      await api("editMessageText", {
        chat_id: chat,
        message_id: sent.body.result?.message_id,
        text: `${"😀".repeat(2048)}a`,
      }),
      400,
      "Bad Request: MESSAGE_TOO_LONG",
    );
  });

  it("measures the length after entity parsing", async () => {
    const text = `<b>${"a".repeat(4096)}</b>`;
    expect(
      (await api("sendMessage", { chat_id: freshChat(), text, parse_mode: "HTML" })).status,
    ).toBe(200);
  });

  it("rejects empty and whitespace-only text", async () => {
    const chat = freshChat();
    for (const text of ["", " \n ", undefined]) {
      expectError(
        await api("sendMessage", { chat_id: chat, text }),
        400,
        "Bad Request: message text is empty",
      );
    }
  });

  it("rejects a lone surrogate", async () => {
    expectError(
      await api("sendMessage", { chat_id: freshChat(), text: "broken \ud83d pair" }),
      400,
      "Bad Request: text must be encoded in UTF-8",
    );
  });

  it("stores the text trimmed, as Telegram does", async () => {
    const sent = await sendText(freshChat(), "\n  answer  \n\n");
    expect(sent.text).toBe("answer");
  });

  it("records business_connection_id", async () => {
    const chat = freshChat();
    const sent = await sendText(chat, "on behalf", { business_connection_id: "biz-1" });
    expect(sent.business_connection_id).toBe("biz-1");
    expect(emulator.timeline(chat).messages[0]?.businessConnectionId).toBe("biz-1");
  });

  it("accepts form-urlencoded bodies with JSON-encoded entities", async () => {
    const chat = freshChat();
    const body = new URLSearchParams({
      chat_id: String(chat),
      text: "form body",
      entities: JSON.stringify([{ type: "italic", offset: 0, length: 4 }]),
    });
    const response = await fetch(`${emulator.apiRoot}/bot${TEST_TOKEN}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    const json = (await response.json()) as { result: Message };
    expect(json.result.text).toBe("form body");
    expect(json.result.entities).toEqual([{ type: "italic", offset: 0, length: 4 }]);
  });
});

describe("entities and parse modes over HTTP", () => {
  it("rejects invalid entities with can't parse entities", async () => {
    expectError(
      await api("sendMessage", {
        chat_id: freshChat(),
        text: "short",
        entities: [{ type: "bold", offset: 3, length: 5 }],
      }),
      400,
      "Bad Request: can't parse entities: Entity beginning at UTF-16 offset 3 ends after the end of the text at UTF-16 offset 8",
    );
    expectError(
      await api("sendMessage", {
        chat_id: freshChat(),
        text: "code",
        entities: [
          { type: "code", offset: 0, length: 4 },
          { type: "italic", offset: 1, length: 1 },
        ],
      }),
      400,
      `Bad Request: can't parse entities: Entity "italic" at UTF-16 offset 1 can't be inside or across the "code" entity at UTF-16 offset 0`,
    );
  });

  it("counts entity offsets in UTF-16 code units", async () => {
    const sent = await sendText(freshChat(), "😀 bold", {
      entities: [{ type: "bold", offset: 3, length: 4 }],
    });
    expect(sent.entities).toEqual([{ type: "bold", offset: 3, length: 4 }]);
  });

  it("answers HTML and MarkdownV2 parse errors like Telegram", async () => {
    expectError(
      await api("sendMessage", { chat_id: freshChat(), text: "<b>unclosed", parse_mode: "HTML" }),
      400,
      `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`,
    );
    expectError(
      await api("sendMessage", { chat_id: freshChat(), text: "Done.", parse_mode: "MarkdownV2" }),
      400,
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expectError(
      await api("sendMessage", { chat_id: freshChat(), text: "x", parse_mode: "BBCode" }),
      400,
      "Bad Request: unsupported parse_mode",
    );
  });

  it("parses HTML into text and entities", async () => {
    const sent = await sendText(freshChat(), 'a &lt; b <a href="https://t.me">link</a>', {
      parse_mode: "HTML",
    });
    expect(sent.text).toBe("a < b link");
    expect(sent.entities).toEqual([
      { type: "text_link", offset: 6, length: 4, url: "https://t.me" },
    ]);
  });
});

describe("editMessageText", () => {
  it("returns the edited Message and records every version", async () => {
    const chat = freshChat();
    const sent = await sendText(chat, "draft one");
    const edited = await api("editMessageText", {
      chat_id: chat,
      message_id: sent.message_id,
      text: "draft *two*",
      parse_mode: "MarkdownV2",
    });
    expect(edited.body.result).toMatchObject({
      message_id: sent.message_id,
      text: "draft two",
      entities: [{ type: "bold", offset: 6, length: 3 }],
    });
    expect(edited.body.result?.edit_date).toBeGreaterThanOrEqual(sent.date);
    const versions = emulator.timeline(chat).messages[0]?.versions.map((v) => v.text);
    expect(versions).toEqual(["draft one", "draft two"]);
    expect(emulator.visibleText(chat)).toBe("draft two");
  });

  it("answers message is not modified for the same text and entities, even after trimming", async () => {
    const chat = freshChat();
    const sent = await sendText(chat, "same");
    const notModified =
      "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
    const edit = (params: Record<string, unknown>) =>
      api("editMessageText", { chat_id: chat, message_id: sent.message_id, ...params });
    expectError(await edit({ text: "same" }), 400, notModified);
    expectError(await edit({ text: "same \n" }), 400, notModified);
    // Other entities are a modification.
    expect(
      (await edit({ text: "same", entities: [{ type: "bold", offset: 0, length: 4 }] })).status,
    ).toBe(200);
    expectError(
      await edit({ text: "same", entities: [{ type: "bold", offset: 0, length: 4 }] }),
      400,
      notModified,
    );
  });

  it("answers message to edit not found for deleted and unknown messages", async () => {
    const chat = freshChat();
    const sent = await sendText(chat, "soon gone");
    emulator.deleteMessageAsUser(chat, sent.message_id);
    const notFound = "Bad Request: message to edit not found";
    expectError(
      await api("editMessageText", { chat_id: chat, message_id: sent.message_id, text: "x" }),
      400,
      notFound,
    );
    expectError(
      await api("editMessageText", { chat_id: chat, message_id: 999, text: "x" }),
      400,
      notFound,
    );
    expectError(
      await api("editMessageText", { inline_message_id: "AgAAA", text: "x" }),
      400,
      notFound,
    );
    expect(emulator.visibleMessages(chat)).toEqual([]);
    expect(emulator.timeline(chat).messages[0]?.deletedAt).toBeGreaterThan(0);
  });

  it("answers message can't be edited for the user's messages and other bots' messages", async () => {
    const chat = freshChat();
    const update = emulator.sendUserMessage(chat, "from the user");
    const userMessageId = update.message?.message_id;
    const cantEdit = "Bad Request: message can't be edited";
    expectError(
      await api("editMessageText", { chat_id: chat, message_id: userMessageId, text: "x" }),
      400,
      cantEdit,
    );
    const mine = await sendText(chat, "mine");
    expectError(
      await api(
        "editMessageText",
        { chat_id: chat, message_id: mine.message_id, text: "x" },
        "999:other",
      ),
      400,
      cantEdit,
    );
  });

  it("requires a message id and a text", async () => {
    const chat = freshChat();
    const sent = await sendText(chat, "x");
    expectError(
      await api("editMessageText", { chat_id: chat, text: "y" }),
      400,
      "Bad Request: message identifier is not specified",
    );
    expectError(
      await api("editMessageText", { chat_id: chat, message_id: sent.message_id, text: "" }),
      400,
      "Bad Request: message text is empty",
    );
  });
});

describe("chats, topics and blocking", () => {
  it("answers chat not found for chat id 0 and unknown usernames, chat_id is empty without one", async () => {
    expectError(
      await api("sendMessage", { chat_id: 0, text: "x" }),
      400,
      "Bad Request: chat not found",
    );
    expectError(
      await api("sendMessage", { chat_id: "@nobody", text: "x" }),
      400,
      "Bad Request: chat not found",
    );
    expectError(await api("sendMessage", { text: "x" }), 400, "Bad Request: chat_id is empty");
  });

  it("answers 403 to every call once the user blocked the bot", async () => {
    const chat = freshChat();
    const sent = await sendText(chat, "before");
    emulator.blockBot(chat);
    const blocked = "Forbidden: bot was blocked by the user";
    expectError(await api("sendMessage", { chat_id: chat, text: "x" }), 403, blocked);
    expectError(
      await api("editMessageText", { chat_id: chat, message_id: sent.message_id, text: "x" }),
      403,
      blocked,
    );
    expectError(
      await api("sendMessageDraft", { chat_id: chat, draft_id: 1, text: "x" }),
      403,
      blocked,
    );
    expectError(await api("sendChatAction", { chat_id: chat, action: "typing" }), 403, blocked);
  });

  it("answers message thread not found for unknown topics of forums and private chats with topics", async () => {
    emulator.addChat({ id: -5001, type: "supergroup", isForum: true, topics: [10] });
    emulator.addChat({ id: 5001, type: "private", hasTopics: true, topics: [3] });
    const notFound = "Bad Request: message thread not found";
    expectError(
      await api("sendMessage", { chat_id: -5001, message_thread_id: 11, text: "x" }),
      400,
      notFound,
    );
    expectError(
      await api("sendMessage", { chat_id: 5001, message_thread_id: 4, text: "x" }),
      400,
      notFound,
    );
    expectError(
      await api("sendMessageDraft", {
        chat_id: 5001,
        message_thread_id: 4,
        draft_id: 1,
        text: "x",
      }),
      400,
      notFound,
    );
    const inTopic = await sendText(-5001, "in topic", { message_thread_id: 10 });
    expect(inTopic).toMatchObject({ message_thread_id: 10, is_topic_message: true });
    expect(
      (await api("sendMessage", { chat_id: 5001, message_thread_id: 3, text: "x" })).status,
    ).toBe(200);
  });

  it("rejects malformed chats in addChat", () => {
    expect(() => emulator.addChat({ id: 0, type: "private" })).toThrow(RangeError);
    expect(() => emulator.addChat({ id: -3, type: "private" })).toThrow(/positive id/);
    expect(() => emulator.addChat({ id: 3, type: "supergroup" })).toThrow(/negative id/);
    expect(() => emulator.addChat({ id: -3, type: "forum" as "group" })).toThrow(/chat type/);
  });
});

describe("deleteMessage, rich messages and the rest of the surface", () => {
  it("deletes the bot's messages and answers message to delete not found after", async () => {
    const chat = freshChat();
    const keep = await sendText(chat, "keep");
    const drop = await sendText(chat, "drop");
    expect(
      (await api("deleteMessage", { chat_id: chat, message_id: drop.message_id })).body.result,
    ).toBe(true);
    expectError(
      await api("deleteMessage", { chat_id: chat, message_id: drop.message_id }),
      400,
      "Bad Request: message to delete not found",
    );
    expect(emulator.visibleMessages(chat).map((m) => m.messageId)).toEqual([keep.message_id]);
  });

  it("sends and edits rich messages, keeping their plain text", async () => {
    const chat = freshChat();
    const sent = await api("sendRichMessage", {
      chat_id: chat,
      rich_message: { html: "<p>Hi <b>there</b> &amp; you</p>" },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.result?.rich_message).toBeDefined();
    expect(emulator.visibleText(chat)).toBe("Hi there & you");
    const edited = await api("editMessageText", {
      chat_id: chat,
      message_id: sent.body.result?.message_id,
      rich_message: { markdown: "**Bye**" },
    });
    expect(edited.status).toBe(200);
    expect(emulator.timeline(chat).messages[0]?.versions[1]).toMatchObject({
      text: "**Bye**",
      rich: { markdown: "**Bye**" },
    });
    expectError(
      await api("sendRichMessage", {
        chat_id: chat,
        rich_message: { markdown: "a".repeat(32_769) },
      }),
      400,
      "Bad Request: message is too long",
    );
  });

  it("answers getMe with the bot id of the token and no-ops with true", async () => {
    const me = await api<{ id: number; is_bot: boolean }>("getMe", {}, "424242:abc");
    expect(me.body.result).toMatchObject({ id: 424242, is_bot: true });
    for (const method of ["setMyCommands", "deleteWebhook"]) {
      expect((await api(method, { commands: [] })).body).toEqual({ ok: true, result: true });
    }
  });

  it("answers 404 Not Found for unknown methods and malformed paths", async () => {
    expectError(await api("sendTelepathy", {}), 404, "Not Found");
    const response = await fetch(`${emulator.apiRoot}/botnotatoken/getMe`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ ok: false, error_code: 404, description: "Not Found" });
  });

  it("validates chat actions", async () => {
    expect(
      (await api("sendChatAction", { chat_id: freshChat(), action: "typing" })).body.result,
    ).toBe(true);
    expectError(
      await api("sendChatAction", { chat_id: freshChat(), action: "dancing" }),
      400,
      "Bad Request: wrong parameter action in request",
    );
  });

  it("records every call without the token's secret", async () => {
    await api("getMe", {}, "777:very-secret-value");
    const record = emulator.calls.find((c) => c.token === "777");
    expect(record).toMatchObject({ method: "getMe", status: 200, ok: true });
    expect(JSON.stringify(emulator.calls)).not.toContain("very-secret-value");
    expect(emulator.stats().calls.getMe).toBeGreaterThanOrEqual(1);
  });
});

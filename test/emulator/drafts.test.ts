import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiReply, callApi, waitUntil } from "./call-api.js";
import { startEmulator } from "./server.js";
import type { Emulator } from "./types.js";

let emulator: Emulator;
let nextChat = 1;
const freshChat = () => nextChat++;

beforeAll(async () => {
  emulator = await startEmulator({ limits: { draft: [{ limit: 1000, windowMs: 1 }] } });
});
afterAll(() => emulator.close());

const api = (method: string, params: Record<string, unknown>) =>
  callApi(emulator.apiRoot, method, params);
const draft = (
  chatId: number,
  draftId: number,
  text: string,
  extra: Record<string, unknown> = {},
) => api("sendMessageDraft", { chat_id: chatId, draft_id: draftId, text, ...extra });

function expectError(reply: ApiReply, description: string): void {
  expect(reply.status).toBe(400);
  expect(reply.body).toEqual({ ok: false, error_code: 400, description });
}

describe("sendMessageDraft", () => {
  it("answers true and shows the draft; the same id animates it", async () => {
    const chat = freshChat();
    expect((await draft(chat, 7, "")).body).toEqual({ ok: true, result: true });
    await draft(chat, 7, "Hel");
    await draft(chat, 7, "Hello");
    const [shown] = emulator.timeline(chat).drafts;
    expect(shown?.draftId).toBe(7);
    expect(shown?.versions.map((v) => v.text)).toEqual(["", "Hel", "Hello"]);
    expect(shown?.vanishedAt).toBeUndefined();
    expect(emulator.visibleText(chat, { includeDraft: true })).toBe("Hello");
    expect(emulator.visibleText(chat)).toBe("");
  });

  it("replaces the draft when a new id comes", async () => {
    const chat = freshChat();
    await draft(chat, 1, "first");
    await draft(chat, 2, "second");
    const [first, second] = emulator.timeline(chat).drafts;
    expect(first).toMatchObject({ draftId: 1, vanishReason: "replaced" });
    expect(first?.vanishedAt).toBe(second?.versions[0]?.at);
    expect(second).toMatchObject({ draftId: 2 });
    expect(second?.vanishedAt).toBeUndefined();
  });

  it("vanishes when the bot sends a message in the same chat and topic, and only there", async () => {
    const chat = freshChat();
    await draft(chat, 1, "main thread draft");
    await draft(chat, 2, "topic draft", { message_thread_id: 9 });
    const sent = await api("sendMessage", { chat_id: chat, text: "the answer" });
    expect(sent.status).toBe(200);
    const [main, topic] = emulator.timeline(chat).drafts;
    expect(main).toMatchObject({ vanishReason: "message" });
    expect(main?.vanishedAt).toBe(emulator.timeline(chat).messages[0]?.versions[0]?.at);
    expect(topic?.vanishedAt).toBeUndefined();
    expect(emulator.visibleText(chat, { includeDraft: true })).toBe("the answer");
  });

  it("vanishes draftTtlMs after its last update", async () => {
    const ttlMs = 600;
    const em = await startEmulator({ limits: { draftTtlMs: ttlMs } });
    try {
      const send = (text: string) =>
        callApi(em.apiRoot, "sendMessageDraft", { chat_id: 1, draft_id: 3, text });
      await send("thinking");
      await send("thinking harder");
      const [live] = em.timeline(1).drafts;
      const lastUpdate = live?.versions[1]?.at ?? Number.NaN;
      // Both calls fell within one TTL, so they animated one draft.
      expect(live?.versions).toHaveLength(2);
      await waitUntil(() => em.now() > lastUpdate + ttlMs + 5, 3000);
      const [expired] = em.timeline(1).drafts;
      expect(expired).toMatchObject({ vanishReason: "ttl" });
      // Counted from the last update, not the first.
      expect(expired?.vanishedAt).toBeCloseTo(lastUpdate + ttlMs, 6);
      expect(em.visibleText(1, { includeDraft: true })).toBe("");
    } finally {
      await em.close();
    }
  });

  it("scales the draft TTL with timeScale", async () => {
    const em = await startEmulator({ timeScale: 0.01 }); // 30 s TTL → 300 ms
    try {
      await callApi(em.apiRoot, "sendMessageDraft", { chat_id: 1, draft_id: 1, text: "x" });
      const shownAt = em.timeline(1).drafts[0]?.versions[0]?.at ?? Number.NaN;
      await waitUntil(() => em.now() > shownAt + 305, 3000);
      expect(em.timeline(1).drafts[0]?.vanishedAt).toBeCloseTo(shownAt + 300, 6);
    } finally {
      await em.close();
    }
  });

  it("records can_stop and keep_on_stop, and what pressing stop does", async () => {
    const chat = freshChat();
    await draft(chat, 1, "stoppable", { can_stop: true });
    emulator.pressStop(chat, 1);
    const [stopped] = emulator.timeline(chat).drafts;
    expect(stopped).toMatchObject({ canStop: true, vanishReason: "stopped" });
    expect(stopped?.stoppedAt).toBeDefined();

    await draft(chat, 2, "kept", { can_stop: true, keep_on_stop: true });
    emulator.pressStop(chat, 2);
    const kept = emulator.timeline(chat).drafts[1];
    expect(kept).toMatchObject({ canStop: true, keepOnStop: true });
    expect(kept?.stoppedAt).toBeDefined();
    expect(kept?.vanishedAt).toBeUndefined();
  });

  it("answers TEXTDRAFT_PEER_INVALID outside private chats", async () => {
    emulator.addChat({ id: -42, type: "group" });
    expectError(await draft(-42, 1, "x"), "Bad Request: TEXTDRAFT_PEER_INVALID");
    expectError(await draft(-1000042, 1, "x"), "Bad Request: TEXTDRAFT_PEER_INVALID");
  });

  it("requires a non-zero draft_id", async () => {
    expectError(await draft(freshChat(), 0, "x"), "Bad Request: draft_id must be non-zero");
    expectError(
      await api("sendMessageDraft", { chat_id: freshChat(), text: "x" }),
      "Bad Request: draft_id must be non-zero",
    );
  });

  it("checks text like a message: UTF-16 length, lone surrogates, entities", async () => {
    const chat = freshChat();
    expect((await draft(chat, 1, "😀".repeat(2048))).status).toBe(200);
    expectError(await draft(chat, 1, "😀".repeat(2049)), "Bad Request: message is too long");
    expectError(await draft(chat, 1, "\udc00"), "Bad Request: text must be encoded in UTF-8");
    expectError(
      await draft(chat, 1, "<i>open", { parse_mode: "HTML" }),
      `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "i"`,
    );
  });

  it("streams rich drafts with sendRichMessageDraft", async () => {
    const chat = freshChat();
    const reply = await api("sendRichMessageDraft", {
      chat_id: chat,
      draft_id: 5,
      rich_message: { markdown: "# Title" },
    });
    expect(reply.body).toEqual({ ok: true, result: true });
    expect(emulator.timeline(chat).drafts[0]?.versions[0]).toMatchObject({
      text: "# Title",
      rich: { markdown: "# Title" },
    });
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { type ApiReply, callApi } from "./call-api.js";
import { startEmulator } from "./server.js";
import type { Emulator, EmulatorOptions } from "./types.js";

/**
 * Tests that only provoke a 429 run at real time (timeScale 1), so a burst
 * stays within its window even on a loaded machine; tests that must wait a
 * penalty out run at this scale (2 s window = 500 ms).
 */
const SCALE = 0.25;

let emulator: Emulator | undefined;

async function start(options: EmulatorOptions): Promise<Emulator> {
  emulator = await startEmulator(options);
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function send(em: Emulator, chatId: number, text = "hi", token?: string): Promise<ApiReply> {
  return callApi(em.apiRoot, "sendMessage", { chat_id: chatId, text }, token ? { token } : {});
}

function draft(em: Emulator, chatId: number, draftId = 1): Promise<ApiReply> {
  return callApi(em.apiRoot, "sendMessageDraft", { chat_id: chatId, draft_id: draftId, text: "…" });
}

/** Fire `count` calls at once. */
function burst(count: number, call: (i: number) => Promise<ApiReply>): Promise<ApiReply[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => call(i)));
}

function statuses(replies: ApiReply[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

function retryAfterOf(reply: ApiReply | undefined): number {
  const retryAfter = reply?.body.parameters?.retry_after;
  if (reply?.status !== 429 || retryAfter === undefined) {
    throw new Error(`expected a 429 with retry_after, got ${JSON.stringify(reply)}`);
  }
  return retryAfter;
}

describe("per-chat limit (private chats: 3 per 2 s, 22 per 20 s)", () => {
  it("answers a burst over the limit with Telegram's 429, retry_after and matching parameters", async () => {
    const em = await start({});
    const replies = await burst(4, (i) => send(em, 1, `message ${i}`));
    expect(statuses(replies)).toEqual({ 200: 3, 429: 1 });
    const refusal = replies.find((r) => r.status === 429);
    const retryAfter = retryAfterOf(refusal);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(refusal?.body).toEqual({
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${retryAfter}`,
      parameters: { retry_after: retryAfter },
    });
    expect(em.visibleMessages(1)).toHaveLength(3);
    expect(em.stats().tooManyRequests).toBe(1);
  });

  it("counts edits against the same budget as sends", async () => {
    const em = await start({});
    const sent = await callApi<{ message_id: number }>(em.apiRoot, "sendMessage", {
      chat_id: 1,
      text: "a",
    });
    const edit = (text: string) =>
      callApi(em.apiRoot, "editMessageText", {
        chat_id: 1,
        message_id: sent.body.result?.message_id,
        text,
      });
    expect((await edit("b")).status).toBe(200);
    expect((await edit("c")).status).toBe(200);
    expect((await edit("d")).status).toBe(429);
  });

  it("lets a patient client that waits retry_after through", async () => {
    const em = await start({ timeScale: SCALE });
    const replies = await burst(4, () => send(em, 1));
    const retryAfter = retryAfterOf(replies.find((r) => r.status === 429));
    await sleep(retryAfter * 1000 * SCALE + 10);
    expect((await send(em, 1, "after the wait")).status).toBe(200);
    expect(em.visibleText(1).split("\n")).toHaveLength(4);
  });

  it("lengthens the penalty for a client that keeps hammering", async () => {
    const em = await start({ timeScale: SCALE });
    const first = retryAfterOf((await burst(4, () => send(em, 1))).find((r) => r.status === 429));
    let last = first;
    for (let i = 0; i < 6; i++) {
      await sleep(25);
      const reply = await send(em, 1);
      last = retryAfterOf(reply);
    }
    expect(last).toBeGreaterThan(first);
    // Past the end first announced, the hammering has kept the penalty running.
    const refusedAt = em.calls.find((c) => c.status === 429)?.at ?? Number.NaN;
    const announcedEnd = refusedAt + first * 1000 * SCALE;
    await sleep(Math.max(0, announcedEnd + 20 - em.now()));
    expect((await send(em, 1)).status).toBe(429);
  });

  it("keeps budgets per chat and per bot token", async () => {
    const em = await start({});
    const replies = await Promise.all([
      burst(3, () => send(em, 1, "a", "111:first")),
      burst(3, () => send(em, 1, "b", "222:second")),
      burst(3, () => send(em, 2, "c", "111:first")),
    ]);
    expect(replies.flat().every((r) => r.status === 200)).toBe(true);
  });

  it("uses the group windows for groups and supergroups", async () => {
    const em = await start({ limits: { groupChat: [{ limit: 2, windowMs: 60_000 }] } });
    em.addChat({ id: -100, type: "group" });
    expect(statuses(await burst(3, () => send(em, -100)))).toEqual({ 200: 2, 429: 1 });
    expect(statuses(await burst(3, () => send(em, -1001)))).toEqual({ 200: 2, 429: 1 });
    expect(statuses(await burst(3, () => send(em, 5)))).toEqual({ 200: 3 });
  });

  it("enforces nothing when unlimited", async () => {
    const em = await start({ unlimited: true });
    const replies = await burst(40, () => send(em, 1));
    expect(statuses(replies)).toEqual({ 200: 40 });
  });
});

describe("draft limit (drafts and chat actions: 20 per 5 s, 40 per 30 s per chat)", () => {
  it("refuses the 21st draft call within 5 s, chat actions included", async () => {
    const em = await start({});
    const drafts = await burst(19, (i) => draft(em, 1, i + 1));
    expect(statuses(drafts)).toEqual({ 200: 19 });
    const action = await callApi(em.apiRoot, "sendChatAction", { chat_id: 1, action: "typing" });
    expect(action.status).toBe(200);
    const refused = await draft(em, 1);
    expect(refused.status).toBe(429);
    expect(refused.body.description).toMatch(/^Too Many Requests: retry after \d+$/);
    // Messages have their own budget.
    expect((await send(em, 1)).status).toBe(200);
  });

  it("refuses the 41st draft call within 30 s even when every 5 s window had room", async () => {
    const em = await start({ timeScale: 0.1 }); // 5 s = 500 ms, 30 s = 3 s
    expect(statuses(await burst(20, (i) => draft(em, 1, i + 1)))).toEqual({ 200: 20 });
    await sleep(550);
    expect(statuses(await burst(20, (i) => draft(em, 1, i + 1)))).toEqual({ 200: 20 });
    await sleep(550);
    const refused = await draft(em, 1);
    // The slot frees only when the first burst leaves the 30 s window, about 19 s away.
    expect(retryAfterOf(refused)).toBeGreaterThan(5);
  });
});

describe("global limit (30 sending calls per second across chats)", () => {
  it("refuses the 31st call within a second, whatever the chat", async () => {
    const em = await start({});
    const replies = await burst(31, (i) => send(em, 1000 + i));
    expect(statuses(replies)).toEqual({ 200: 30, 429: 1 });
    expect(retryAfterOf(replies.find((r) => r.status === 429))).toBe(1);
  });

  it("counts drafts toward the global limit too", async () => {
    const em = await start({});
    const replies = await burst(31, (i) =>
      i % 2 === 0 ? send(em, 2000 + i) : draft(em, 2000 + i),
    );
    expect(statuses(replies)).toEqual({ 200: 30, 429: 1 });
  });
});

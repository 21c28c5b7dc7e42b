import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { callApi, waitUntil } from "./call-api.js";
import { startEmulator } from "./server.js";
import type { Emulator, Update } from "./types.js";

let emulator: Emulator | undefined;

async function start(): Promise<Emulator> {
  emulator = await startEmulator({ unlimited: true });
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

function getUpdates(em: Emulator, params: Record<string, unknown> = {}) {
  return callApi<Update[]>(em.apiRoot, "getUpdates", params);
}

describe("getUpdates", () => {
  it("returns queued user messages until they are confirmed with offset", async () => {
    const em = await start();
    const first = em.sendUserMessage(42, "hello");
    const second = em.sendUserMessage(42, "/start now");
    const all = await getUpdates(em);
    expect(all.body.result?.map((u) => u.update_id)).toEqual([first.update_id, second.update_id]);
    expect(all.body.result?.[0]?.message).toMatchObject({
      chat: { id: 42, type: "private" },
      from: { id: 42, is_bot: false },
      text: "hello",
    });
    expect(all.body.result?.[1]?.message?.entities).toEqual([
      { type: "bot_command", offset: 0, length: 6 },
    ]);
    const rest = await getUpdates(em, { offset: first.update_id + 1 });
    expect(rest.body.result?.map((u) => u.update_id)).toEqual([second.update_id]);
    expect((await getUpdates(em, { offset: second.update_id + 1 })).body.result).toEqual([]);
  });

  it("waits for an update during a long poll and returns as soon as one arrives", async () => {
    const em = await start();
    const started = performance.now();
    const poll = getUpdates(em, { timeout: 10 });
    await sleep(50);
    const update = em.sendUserMessage(42, "late");
    const reply = await poll;
    expect(reply.body.result?.map((u) => u.update_id)).toEqual([update.update_id]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("answers a pending long poll promptly on close", async () => {
    const em = await start();
    const poll = getUpdates(em, { timeout: 30 });
    await waitUntil(() => em.calls.some((c) => c.method === "getUpdates"));
    const started = performance.now();
    await em.close();
    const reply = await poll;
    expect(reply.body).toEqual({ ok: true, result: [] });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("terminates an older poll with 409 Conflict when a newer one comes", async () => {
    const em = await start();
    const older = getUpdates(em, { timeout: 30 });
    await waitUntil(() => em.calls.some((c) => c.method === "getUpdates"));
    const newer = getUpdates(em, { timeout: 0 });
    expect((await older).body).toEqual({
      ok: false,
      error_code: 409,
      description:
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    });
    expect((await newer).status).toBe(200);
  });

  it("queues stopped_message_generation and delivers it by default", async () => {
    const em = await start();
    const update = em.pressStop(42, 99, 3);
    const reply = await getUpdates(em);
    expect(reply.body.result).toEqual([
      {
        update_id: update.update_id,
        stopped_message_generation: {
          chat: { id: 42, type: "private", first_name: "User" },
          message_thread_id: 3,
          draft_id: 99,
        },
      },
    ]);
  });

  it("drops update types the bot left out of allowed_updates and remembers the setting", async () => {
    const em = await start();
    em.sendUserMessage(42, "a message");
    em.pressStop(42, 1);
    const onlyMessages = await getUpdates(em, { allowed_updates: ["message"] });
    expect(onlyMessages.body.result?.map((u) => Object.keys(u)[1])).toEqual(["message"]);
    em.pressStop(42, 2);
    // Not listed, and the filter is remembered when allowed_updates is omitted.
    const later = await getUpdates(em, {
      offset: (onlyMessages.body.result?.[0]?.update_id ?? 0) + 1,
    });
    expect(later.body.result).toEqual([]);
    em.pressStop(42, 3);
    const listed = await getUpdates(em, { allowed_updates: ["stopped_message_generation"] });
    expect(listed.body.result?.map((u) => u.stopped_message_generation?.draft_id)).toEqual([3]);
  });

  it("respects limit", async () => {
    const em = await start();
    for (let i = 0; i < 5; i++) em.sendUserMessage(42, `m${i}`);
    expect((await getUpdates(em, { limit: 2 })).body.result).toHaveLength(2);
  });

  it("queues business messages and raw updates", async () => {
    const em = await start();
    em.sendUserMessage(42, "via business", {
      businessConnectionId: "bc-1",
      from: { id: 7, first_name: "Ann" },
    });
    em.injectUpdate({
      callback_query: {
        id: "1",
        from: { id: 7, is_bot: false, first_name: "Ann" },
        chat_instance: "x",
      },
    });
    const [business, raw] = (await getUpdates(em)).body.result ?? [];
    expect(business?.business_message).toMatchObject({
      business_connection_id: "bc-1",
      from: { id: 7, first_name: "Ann" },
      text: "via business",
    });
    expect(raw?.callback_query?.id).toBe("1");
  });

  it("forgets pending updates on deleteWebhook with drop_pending_updates", async () => {
    const em = await start();
    em.sendUserMessage(42, "old");
    await callApi(em.apiRoot, "deleteWebhook", { drop_pending_updates: true });
    expect((await getUpdates(em)).body.result).toEqual([]);
  });
});

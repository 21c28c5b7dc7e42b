import { afterEach, describe, expect, it } from "vitest";
import { callApi, waitUntil } from "./call-api.js";
import { startEmulator } from "./server.js";
import type { Emulator } from "./types.js";

let emulator: Emulator | undefined;

async function start(): Promise<Emulator> {
  emulator = await startEmulator({ unlimited: true });
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const send = (em: Emulator, chatId: number, text: string, signal?: AbortSignal) =>
  callApi(em.apiRoot, "sendMessage", { chat_id: chatId, text }, signal ? { signal } : {});

describe("injected faults", () => {
  it("error: answers the injected error instead of applying the call", async () => {
    const em = await start();
    em.injectFault({ method: "sendMessage", error: { code: 502, description: "Bad Gateway" } });
    const failed = await send(em, 1, "lost");
    expect(failed.status).toBe(502);
    expect(failed.body).toEqual({ ok: false, error_code: 502, description: "Bad Gateway" });
    expect((await send(em, 1, "kept")).status).toBe(200);
    expect(em.visibleText(1)).toBe("kept");
    expect(em.calls[0]).toMatchObject({ fault: "error", status: 502, ok: false });
  });

  it("error: can be a 429 with retry_after in parameters", async () => {
    const em = await start();
    em.injectFault({
      method: "sendMessage",
      error: { code: 429, description: "Too Many Requests: retry after 7", retryAfter: 7 },
    });
    expect((await send(em, 1, "x")).body).toEqual({
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 7",
      parameters: { retry_after: 7 },
    });
    expect(em.stats().tooManyRequests).toBe(1);
  });

  it("hits the nth matching call of the given chat only", async () => {
    const em = await start();
    em.injectFault({
      method: "sendMessage",
      chatId: 2,
      nth: 2,
      error: { code: 500, description: "boom" },
    });
    const statuses: number[] = [];
    for (const chat of [1, 2, 1, 2, 2]) statuses.push((await send(em, chat, "x")).status);
    expect(statuses).toEqual([200, 200, 200, 500, 200]);
  });

  it("reset: destroys the socket without a reply, and the call is not applied", async () => {
    const em = await start();
    em.injectFault({ method: "sendMessage", reset: true });
    await expect(send(em, 1, "never")).rejects.toThrow();
    expect(em.visibleMessages(1)).toEqual([]);
    expect(em.calls[0]).toMatchObject({ fault: "reset", status: 0, ok: false });
  });

  it("resetAfterApply: applies the call, then destroys the socket", async () => {
    const em = await start();
    em.injectFault({ method: "sendMessage", resetAfterApply: true });
    await expect(send(em, 1, "applied")).rejects.toThrow();
    expect(em.visibleText(1)).toBe("applied");
    expect(em.calls[0]).toMatchObject({ fault: "resetAfterApply", status: 200, ok: true });
  });

  it("delayMs: applies the call at once but replies late", async () => {
    const em = await start();
    em.injectFault({ method: "sendMessage", delayMs: 150 });
    const started = em.now();
    expect((await send(em, 1, "slow reply")).status).toBe(200);
    expect(em.now() - started).toBeGreaterThanOrEqual(150);
    const [record] = em.calls;
    const appliedAt = em.timeline(1).messages[0]?.versions[0]?.at;
    // Applied when received, answered 150 ms later.
    expect(appliedAt).toBe(record?.at);
    expect((record?.answeredAt ?? 0) - (record?.at ?? 0)).toBeGreaterThanOrEqual(150);
  });

  it("hang: never replies and does not apply the call; close still returns promptly", async () => {
    const em = await start();
    em.injectFault({ method: "sendMessage", hang: true });
    await expect(send(em, 1, "stuck", AbortSignal.timeout(150))).rejects.toThrow();
    expect(em.visibleMessages(1)).toEqual([]);
    expect(em.calls[0]).toMatchObject({ fault: "hang", status: 0 });
    em.injectFault({ method: "sendMessage", hang: true });
    const pending = send(em, 1, "stuck at close").catch((error: unknown) => error);
    await waitUntil(() => em.calls.length === 2);
    const started = performance.now();
    await em.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it("clearFaults removes faults not yet triggered", async () => {
    const em = await start();
    em.injectFault({ method: "sendMessage", error: { code: 500, description: "boom" } });
    em.clearFaults();
    expect((await send(em, 1, "fine")).status).toBe(200);
  });

  it("rejects malformed faults", async () => {
    const em = await start();
    expect(() => em.injectFault({ method: "sendMessage", nth: 0, reset: true })).toThrow(
      RangeError,
    );
    expect(() => em.injectFault({ method: "sendMessage", delayMs: -1 })).toThrow(/delayMs/);
    expect(() =>
      em.injectFault({ method: "sendMessage", reset: true, hang: true } as unknown as Parameters<
        Emulator["injectFault"]
      >[0]),
    ).toThrow(/exactly one/);
  });
});

describe("waitForCall", () => {
  it("resolves with a call answered later, or one already answered", async () => {
    const em = await start();
    const waiting = em.waitForCall(
      (c) => c.method === "sendMessage" && c.chatId === 5 && c.status !== 0,
    );
    await send(em, 5, "hello");
    const record = await waiting;
    expect(record).toMatchObject({ method: "sendMessage", chatId: 5, status: 200, ok: true });
    expect(record.params).toMatchObject({ text: "hello" });
    await expect(em.waitForCall((c) => c.chatId === 5)).resolves.toBe(record);
  });

  it("matches a call still pending: a long poll, waited for before and after it arrived", async () => {
    const em = await start();
    const before = em.waitForCall((c) => c.method === "getUpdates");
    const poll = callApi(em.apiRoot, "getUpdates", { timeout: 30 });
    const pending = await before;
    expect(pending).toMatchObject({ method: "getUpdates", status: 0, ok: false });
    expect(pending.answeredAt).toBeUndefined();
    // Already received and still pending: found at once.
    await expect(em.waitForCall((c) => c.method === "getUpdates", 50)).resolves.toBe(pending);
    // A predicate on the outcome waits for the answer: the poll ends with the user's message.
    const answered = em.waitForCall((c) => c.method === "getUpdates" && c.ok);
    em.sendUserMessage(5, "wake up");
    expect(await answered).toBe(pending);
    expect(pending).toMatchObject({ status: 200, ok: true });
    expect((await poll).body.result).toHaveLength(1);
  });

  it("matches a hanging call, which is never answered", async () => {
    const em = await start();
    em.injectFault({ method: "sendMessage", hang: true });
    void send(em, 5, "never answered").catch(() => {});
    const hanging = await em.waitForCall((c) => c.method === "sendMessage", 2000);
    expect(hanging).toMatchObject({ fault: "hang", status: 0 });
  });

  it("rejects after the timeout when no call matches", async () => {
    const em = await start();
    await expect(em.waitForCall((c) => c.method === "sendMessage", 50)).rejects.toThrow(
      /within 50 ms/,
    );
  });

  it("rejects a bad predicate or timeout with a clear error", async () => {
    const em = await start();
    await expect(
      em.waitForCall("sendMessage" as unknown as (c: unknown) => boolean),
    ).rejects.toThrow(TypeError);
    await expect(em.waitForCall(() => true, -1)).rejects.toThrow(/timeoutMs/);
  });
});

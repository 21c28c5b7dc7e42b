/**
 * Webhook delivery: setWebhook / deleteWebhook / getWebhookInfo, the POSTed
 * JSON and secret header, one update at a time in order, redelivery after an
 * error status or a timeout with a growing pause, and 409 for getUpdates
 * while a webhook is set.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { callApi, type Emulator, startEmulator, type Update, waitUntil } from "./index.js";

/** A request the test webhook received. */
interface Received {
  update: Update;
  secret: string | undefined;
  contentType: string | undefined;
}

/** A local webhook endpoint whose answers the test decides. */
interface TestWebhook {
  url: string;
  received: Received[];
  /** How many requests are being handled right now, and the most ever at once. */
  concurrency: { now: number; max: number };
  close(): Promise<void>;
}

type Answer = (received: Received, res: ServerResponse) => void | Promise<void>;

const servers: Server[] = [];
let emulator: Emulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function startWebhook(answer: Answer): Promise<TestWebhook> {
  const received: Received[] = [];
  const concurrency = { now: 0, max: 0 };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    concurrency.now += 1;
    concurrency.max = Math.max(concurrency.max, concurrency.now);
    res.once("close", () => {
      concurrency.now -= 1;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const secret = req.headers["x-telegram-bot-api-secret-token"];
    const item: Received = {
      update: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Update,
      secret: Array.isArray(secret) ? secret[0] : secret,
      contentType: req.headers["content-type"],
    };
    received.push(item);
    await answer(item, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/telegram`,
    received,
    concurrency,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const ok: Answer = (_, res) => {
  res.writeHead(200).end();
};

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  emulator = await startEmulator({ timeScale: 0.01, ...options });
  return emulator;
}

describe("setWebhook", () => {
  it("POSTs each update as JSON with the secret header, one at a time, in order", async () => {
    const api = await start();
    let release: () => void = () => {};
    const firstHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hook = await startWebhook(async (item, res) => {
      // Hold the first update: the second must not arrive meanwhile.
      if (item.update.message?.text === "one") await firstHeld;
      res.writeHead(200).end();
    });
    const set = await callApi(api.apiRoot, "setWebhook", {
      url: hook.url,
      secret_token: "s3cret_-X",
    });
    expect(set.body).toEqual({ ok: true, result: true });

    const sent = ["one", "two", "three"].map((text) => api.sendUserMessage(42, text));
    await waitUntil(() => hook.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hook.received).toHaveLength(1);
    release();
    await waitUntil(() => hook.received.length === 3);

    expect(hook.received.map((r) => r.update)).toEqual(sent);
    expect(hook.received.every((r) => r.secret === "s3cret_-X")).toBe(true);
    expect(hook.received.every((r) => r.contentType === "application/json")).toBe(true);
    expect(hook.concurrency.max).toBe(1);
    await waitUntil(() => api.webhookAttempts.every((a) => a.outcome === "ok"));
    expect(api.webhookAttempts.map((a) => [a.updateId, a.attempt, a.status])).toEqual(
      sent.map((u) => [u.update_id, 1, 200]),
    );
    const info = await callApi<Record<string, unknown>>(api.apiRoot, "getWebhookInfo");
    expect(info.body.result).toMatchObject({ url: hook.url, pending_update_count: 0 });
  });

  it("sends no secret header when none was set, and delivers what was queued before", async () => {
    const api = await start();
    const early = api.sendUserMessage(7, "queued before the webhook");
    const hook = await startWebhook(ok);
    await callApi(api.apiRoot, "setWebhook", { url: hook.url });
    await waitUntil(() => hook.received.length === 1);
    expect(hook.received[0]?.update).toEqual(early);
    expect(hook.received[0]?.secret).toBeUndefined();
  });

  it("delivers only allowed_updates", async () => {
    const api = await start();
    const hook = await startWebhook(ok);
    await callApi(api.apiRoot, "setWebhook", { url: hook.url, allowed_updates: ["message"] });
    api.pressStop(7, 99);
    const message = api.sendUserMessage(7, "hello");
    await waitUntil(() => hook.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hook.received.map((r) => r.update)).toEqual([message]);
    const info = await callApi<Record<string, unknown>>(api.apiRoot, "getWebhookInfo");
    expect(info.body.result).toMatchObject({ allowed_updates: ["message"] });
  });

  it("refuses a bad secret token or URL as Telegram does", async () => {
    const api = await start();
    for (const secret of ["a b", "a+b/c=", "ключ", ""]) {
      const reply = await callApi(api.apiRoot, "setWebhook", {
        url: "http://127.0.0.1:1/x",
        secret_token: secret,
      });
      expect(reply.status).toBe(400);
      expect(reply.body.description).toBe(
        "Bad Request: secret token contains unallowed characters",
      );
    }
    const long = await callApi(api.apiRoot, "setWebhook", {
      url: "http://127.0.0.1:1/x",
      secret_token: "a".repeat(257),
    });
    expect(long.body.description).toBe("Bad Request: secret token is too long");
    const bad = await callApi(api.apiRoot, "setWebhook", { url: "not a url" });
    expect(bad.status).toBe(400);
    expect(bad.body.description).toMatch(/^Bad Request: bad webhook: /);
    // Nothing was set by the refused calls.
    expect((await callApi(api.apiRoot, "getUpdates")).status).toBe(200);
  });

  it("throws for bad webhook options, naming the option", async () => {
    await expect(startEmulator({ webhook: { timeoutMs: 0 } })).rejects.toThrow(
      /webhook\.timeoutMs/,
    );
    await expect(startEmulator({ webhook: { retryDelayMs: -1 } })).rejects.toThrow(RangeError);
    await expect(
      startEmulator({ webhook: "fast" as unknown as { timeoutMs: number } }),
    ).rejects.toThrow(TypeError);
  });
});

describe("redelivery", () => {
  it("delivers the same update again after an error status, with a growing pause, and holds back the next", async () => {
    const api = await start({ webhook: { retryDelayMs: 1000, maxRetryDelayMs: 8000 } });
    let failuresLeft = 4;
    const hook = await startWebhook((_, res) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        res.writeHead(500).end("boom");
      } else {
        res.writeHead(204).end();
      }
    });
    await callApi(api.apiRoot, "setWebhook", { url: hook.url });
    const first = api.sendUserMessage(9, "first");
    const second = api.sendUserMessage(9, "second");
    await waitUntil(() => hook.received.length === 6, 5000);

    expect(hook.received.map((r) => r.update.update_id)).toEqual([
      ...Array(5).fill(first.update_id),
      second.update_id,
    ]);
    const attempts = api.webhookAttempts.filter((a) => a.updateId === first.update_id);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status])).toEqual([
      [1, "error", 500],
      [2, "error", 500],
      [3, "error", 500],
      [4, "error", 500],
      [5, "ok", 204],
    ]);
    // Pauses of 10, 20, 40, 80 ms (1 s, 2 s, 4 s, 8 s at timeScale 0.01).
    const gaps = attempts.slice(1).map((a, i) => a.at - (attempts[i]?.answeredAt ?? 0));
    const minimums = [10, 20, 40, 80];
    expect(gaps.map((gap, i) => gap >= (minimums[i] ?? 0) - 2)).toEqual([true, true, true, true]);
    expect(gaps[3]).toBeGreaterThan(gaps[0] ?? 0);
  });

  it("delivers the same update again when the webhook does not answer in time", async () => {
    const api = await start({ webhook: { timeoutMs: 10_000, retryDelayMs: 1000 } });
    const hook = await startWebhook(async (_, res) => {
      // The first delivery is answered after the 100 ms timeout (10 s at timeScale 0.01).
      if (hook.received.length === 1) await new Promise((resolve) => setTimeout(resolve, 300));
      if (!res.destroyed) res.writeHead(200).end();
    });
    await callApi(api.apiRoot, "setWebhook", { url: hook.url });
    const update = api.sendUserMessage(9, "slow");
    await waitUntil(() => api.webhookAttempts.some((a) => a.outcome === "ok"), 3000);

    expect(hook.received.map((r) => r.update)).toEqual([update, update]);
    const [late, retry] = api.webhookAttempts;
    expect(late).toMatchObject({ attempt: 1, outcome: "timeout" });
    expect((late?.answeredAt ?? 0) - (late?.at ?? 0)).toBeGreaterThanOrEqual(95);
    expect(retry).toMatchObject({ attempt: 2, outcome: "ok", status: 200 });
    const info = await callApi<Record<string, unknown>>(api.apiRoot, "getWebhookInfo");
    expect(info.body.result).toMatchObject({ last_error_message: "Read timeout expired" });
  });

  it("reports the last error in getWebhookInfo and keeps the update pending", async () => {
    const api = await start({ webhook: { retryDelayMs: 100_000 } });
    const hook = await startWebhook((_, res) => {
      res.writeHead(502, "Bad Gateway").end();
    });
    await callApi(api.apiRoot, "setWebhook", { url: hook.url });
    api.sendUserMessage(9, "x");
    await waitUntil(() => api.webhookAttempts[0]?.outcome === "error");
    const info = await callApi<Record<string, unknown>>(api.apiRoot, "getWebhookInfo");
    expect(info.body.result).toMatchObject({
      url: hook.url,
      pending_update_count: 1,
      last_error_message: "Wrong response from the webhook: 502 Bad Gateway",
    });
    expect(typeof (info.body.result as { last_error_date?: unknown }).last_error_date).toBe(
      "number",
    );
  });
});

describe("getUpdates and deleteWebhook", () => {
  it("answers getUpdates with 409 Conflict while a webhook is set, and serves it again after deleteWebhook", async () => {
    const api = await start({ webhook: { retryDelayMs: 100_000 } });
    const hook = await startWebhook((_, res) => {
      res.writeHead(500).end();
    });
    await callApi(api.apiRoot, "setWebhook", { url: hook.url });
    const update = api.sendUserMessage(3, "undelivered");
    await waitUntil(() => hook.received.length === 1);

    const conflict = await callApi(api.apiRoot, "getUpdates");
    expect(conflict.status).toBe(409);
    expect(conflict.body.description).toBe(
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );

    expect((await callApi(api.apiRoot, "deleteWebhook")).body.result).toBe(true);
    const polled = await callApi<Update[]>(api.apiRoot, "getUpdates");
    expect(polled.body.result).toEqual([update]);
    const info = await callApi<Record<string, unknown>>(api.apiRoot, "getWebhookInfo");
    expect(info.body.result).toMatchObject({ url: "", pending_update_count: 1 });
    // Nothing more reaches the old webhook.
    api.sendUserMessage(3, "after delete");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hook.received).toHaveLength(1);
  });

  it("setWebhook with an empty url removes the webhook; drop_pending_updates drops the queue", async () => {
    const api = await start();
    const hook = await startWebhook(ok);
    await callApi(api.apiRoot, "setWebhook", { url: hook.url });
    await callApi(api.apiRoot, "setWebhook", { url: "" });
    api.sendUserMessage(3, "dropped");
    await callApi(api.apiRoot, "deleteWebhook", { drop_pending_updates: true });
    const polled = await callApi<Update[]>(api.apiRoot, "getUpdates");
    expect(polled.status).toBe(200);
    expect(polled.body.result).toEqual([]);
    expect(hook.received).toEqual([]);
  });

  it("close() stops delivery to a webhook that never answers", async () => {
    const api = await start({ webhook: { timeoutMs: 1_000_000 } });
    const hook = await startWebhook(() => new Promise(() => {}));
    await callApi(api.apiRoot, "setWebhook", { url: hook.url });
    api.sendUserMessage(3, "stuck");
    await waitUntil(() => hook.received.length === 1);
    await api.close();
    await waitUntil(() => hook.concurrency.now === 0);
    expect(api.webhookAttempts[0]?.outcome).toBe("error");
  });
});

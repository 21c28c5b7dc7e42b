/**
 * A grammY bot on webhooks: `webhookCallback(bot, "http")` on a real
 * node:http server, the emulator delivering updates to it as Telegram does
 * (redelivering after a timeout or an error status), and a 30 s reply.
 * Time is scaled: the reply, grammY's 10 s callback timeout and the
 * emulator's webhook timeout are all multiplied by TIME_SCALE.
 *
 * Whatever the timeout does, the user gets exactly one answer: a redelivered
 * update's `ctx.streamReply` returns the first reply instead of answering
 * again.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebhookOptions, webhookCallback } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import type { StreamResult } from "../../grammy-plugin/index.js";
import type { Emulator } from "../emulator/index.js";
import { waitUntil } from "../emulator/index.js";
import {
  createStreamBot,
  type StreamBot,
  sentMessages,
  startTestEmulator,
  TIME_SCALE,
  typing,
  words,
} from "./harness.js";

const CHAT = 6060;
const GROUP = -1006060;

/** grammY's default `timeoutMilliseconds`, scaled. */
const CALLBACK_TIMEOUT_MS = 10_000 * TIME_SCALE;
/** The reply takes 30 s (scaled): 30 words, one a second. */
const REPLY_WORDS = words(30, 3);
const WORD_DELAY_MS = 1000 * TIME_SCALE;

let emulator: Emulator | undefined;
let server: Server | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  }
});

/** Serve `bot` with `webhookCallback(bot, "http", options)` and point the emulator's webhook at it. */
async function serveByWebhook(bot: StreamBot, options: WebhookOptions): Promise<void> {
  const callback = webhookCallback(bot, "http", options);
  server = createServer((req, res) => {
    // As grammY's docs say: handle the timeout error in the web framework (here: answer 500).
    callback(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await bot.api.setWebhook(`http://127.0.0.1:${port}/bot`, { secret_token: "webhook_secret" });
}

/** A bot whose every text message gets the 30 s reply; counts model requests and results. */
function slowReplyBot(api: Emulator, awaitReply: boolean) {
  const bot = createStreamBot(api, { plugin: { format: "plain" } });
  const seen = { handled: 0, modelRequests: 0, results: [] as StreamResult[] };
  bot.on("message:text", async (ctx) => {
    seen.handled += 1;
    const reply = ctx.streamReply(() => {
      seen.modelRequests += 1;
      return typing(REPLY_WORDS, WORD_DELAY_MS);
    });
    if (awaitReply) seen.results.push(await reply);
    else void reply.then((result) => seen.results.push(result));
  });
  return { bot, seen };
}

/** Every check of "the user got exactly one answer" in `chatId`. */
function expectOneAnswer(api: Emulator, chatId: number) {
  const messages = api.visibleMessages(chatId);
  expect(messages).toHaveLength(1);
  expect(messages[0]?.versions.at(-1)?.text).toBe(REPLY_WORDS.join("").trim());
  expect(sentMessages(api, chatId)).toHaveLength(1);
  const drafts = new Set(
    api.calls.filter((c) => c.method === "sendMessageDraft").map((c) => c.params.draft_id),
  );
  expect(drafts.size).toBeLessThanOrEqual(1);
  expect(api.stats().tooManyRequests).toBe(0);
}

describe("webhookCallback with a 30 s reply", () => {
  it("with grammY's defaults (throw after 10 s): Telegram redelivers, the user still gets one answer", async () => {
    emulator = await startTestEmulator();
    const { bot, seen } = slowReplyBot(emulator, true);
    await serveByWebhook(bot, {
      secretToken: "webhook_secret",
      timeoutMilliseconds: CALLBACK_TIMEOUT_MS,
    });

    const update = emulator.sendUserMessage(CHAT, "tell me a long story");
    const api = emulator;
    await waitUntil(() => api.webhookAttempts.some((a) => a.outcome === "ok"), 15_000);

    const attempts = api.webhookAttempts.filter((a) => a.updateId === update.update_id);
    // The first delivery failed (grammY threw after its timeout), so the update came again ...
    expect(attempts[0]).toMatchObject({ attempt: 1, outcome: "error", status: 500 });
    expect(attempts.length).toBeGreaterThan(1);
    expect(seen.handled).toBe(attempts.length);
    // ... but only one reply was streamed, and every handling got its result.
    expect(seen.modelRequests).toBe(1);
    expectOneAnswer(api, CHAT);
    expect(seen.results.length).toBeGreaterThanOrEqual(1);
    for (const result of seen.results) expect(result).toBe(seen.results[0]);
  }, 20_000);

  it("when Telegram's own timeout passes first, the concurrent redelivery does not answer again", async () => {
    // The webhook timeout (10 s scaled) is shorter than the reply; grammY never gives up.
    emulator = await startTestEmulator({ webhook: { timeoutMs: 10_000 } });
    emulator.addChat({ id: GROUP, type: "supergroup" });
    const { bot, seen } = slowReplyBot(emulator, true);
    await serveByWebhook(bot, { timeoutMilliseconds: Number.POSITIVE_INFINITY });

    const update = emulator.sendUserMessage(GROUP, "tell me a long story");
    const api = emulator;
    await waitUntil(() => api.webhookAttempts.some((a) => a.outcome === "ok"), 15_000);

    const attempts = api.webhookAttempts.filter((a) => a.updateId === update.update_id);
    expect(attempts[0]).toMatchObject({ attempt: 1, outcome: "timeout" });
    expect(seen.handled).toBeGreaterThan(1);
    expect(seen.modelRequests).toBe(1);
    expectOneAnswer(api, GROUP);
  }, 20_000);

  it("answering at once and streaming in the background: one delivery, one answer", async () => {
    emulator = await startTestEmulator();
    const { bot, seen } = slowReplyBot(emulator, false);
    await serveByWebhook(bot, {
      secretToken: "webhook_secret",
      timeoutMilliseconds: CALLBACK_TIMEOUT_MS,
    });

    emulator.sendUserMessage(CHAT, "tell me a long story");
    const api = emulator;
    await waitUntil(() => seen.results.length === 1, 15_000);

    expect(api.webhookAttempts.map((a) => a.outcome)).toEqual(["ok"]);
    const [attempt] = api.webhookAttempts;
    // Telegram had its answer long before the reply ended.
    expect((attempt?.answeredAt ?? 0) - (attempt?.at ?? 0)).toBeLessThan(CALLBACK_TIMEOUT_MS);
    expect(seen.modelRequests).toBe(1);
    expectOneAnswer(api, CHAT);
  }, 20_000);
});

describe("ctx.streamReply and redelivered updates", () => {
  it("replays a handler's replies in order: two calls stream twice, a redelivery streams none", async () => {
    emulator = await startTestEmulator();
    const bot = createStreamBot(emulator, { plugin: { format: "plain" } });
    let starts = 0;
    const results: StreamResult[][] = [];
    bot.on("message:text", async (ctx) => {
      const first = await ctx.streamReply(() => {
        starts += 1;
        return "First reply.";
      });
      const second = await ctx.streamReply(() => {
        starts += 1;
        return "Second reply.";
      });
      results.push([first, second]);
    });
    await bot.init();
    const update = emulator.sendUserMessage(CHAT, "hi");
    await bot.handleUpdate(update);
    await bot.handleUpdate(structuredClone(update));
    // A new update is answered as usual.
    await bot.handleUpdate(emulator.sendUserMessage(CHAT, "again"));

    expect(starts).toBe(4);
    expect(results[1]).toEqual(results[0]);
    expect(results[1]?.[0]).toBe(results[0]?.[0]);
    expect(emulator.visibleMessages(CHAT).map((m) => m.versions.at(-1)?.text)).toEqual([
      "First reply.",
      "Second reply.",
      "First reply.",
      "Second reply.",
    ]);
  });

  it("the same update_id of another bot token is another update", async () => {
    emulator = await startTestEmulator();
    const update = emulator.sendUserMessage(CHAT, "hi");
    for (const text of ["From bot one.", "From bot two."]) {
      const bot = createStreamBot(emulator, { plugin: { format: "plain" } });
      bot.on("message:text", (ctx) => ctx.streamReply(text));
      await bot.init();
      await bot.handleUpdate(update);
    }
    expect(emulator.visibleMessages(CHAT).map((m) => m.versions.at(-1)?.text)).toEqual([
      "From bot one.",
      "From bot two.",
    ]);
  });
});

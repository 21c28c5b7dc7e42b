import { Bot, GrammyError } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "./server.js";
import type { Emulator } from "./types.js";

const TOKEN = "987654:grammy-test-token";

let emulator: Emulator | undefined;
let bot: Bot | undefined;

async function setUp(
  options: Parameters<typeof startEmulator>[0] = {},
): Promise<{ em: Emulator; b: Bot }> {
  emulator = await startEmulator(options);
  bot = new Bot(TOKEN, { client: { apiRoot: emulator.apiRoot } });
  return { em: emulator, b: bot };
}

afterEach(async () => {
  if (bot?.isRunning()) await bot.stop();
  await emulator?.close();
  bot = undefined;
  emulator = undefined;
});

async function errorOf(promise: Promise<unknown>): Promise<GrammyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GrammyError) return error;
    throw error;
  }
  throw new Error("expected a GrammyError");
}

describe("a real grammY Bot against the emulator", () => {
  it("sends, streams a draft and edits through bot.api", async () => {
    const { em, b } = await setUp({ unlimited: true });
    await b.api.sendMessageDraft(42, 1, "Thinking");
    const sent = await b.api.sendMessage(42, "<b>Hello</b>", { parse_mode: "HTML" });
    expect(sent.text).toBe("Hello");
    expect(sent.entities).toEqual([{ type: "bold", offset: 0, length: 5 }]);
    const edited = await b.api.editMessageText(42, sent.message_id, "Hello, world");
    expect(edited).toMatchObject({ message_id: sent.message_id, text: "Hello, world" });
    const timeline = em.timeline(42);
    expect(timeline.drafts[0]).toMatchObject({ draftId: 1, vanishReason: "message" });
    expect(timeline.messages[0]?.versions.map((v) => v.text)).toEqual(["Hello", "Hello, world"]);
    expect(em.calls.every((c) => c.token === "987654")).toBe(true);
  });

  it("surfaces Telegram's errors as GrammyError with code, description and parameters", async () => {
    const { b } = await setUp();
    const sent = await b.api.sendMessage(42, "same");
    const notModified = await errorOf(b.api.editMessageText(42, sent.message_id, "same"));
    expect(notModified.error_code).toBe(400);
    expect(notModified.description).toMatch(/^Bad Request: message is not modified/);

    // The send and the refused edit took 2 of the chat's 3 slots per 2 s.
    await b.api.sendMessage(42, "two");
    const limited = await errorOf(b.api.sendMessage(42, "three is too many"));
    expect(limited.error_code).toBe(429);
    expect(limited.parameters.retry_after).toBeGreaterThanOrEqual(1);
  });

  it("long-polls updates: a /start command gets a reply, a stop press reaches the bot", async () => {
    const { em, b } = await setUp({ unlimited: true });
    let stopPressed: (draftId: number) => void = () => {};
    const stopSeen = new Promise<number>((resolve) => {
      stopPressed = resolve;
    });
    b.command("start", (ctx) => ctx.reply("Hi there!"));
    b.use((ctx) => {
      const stopped = ctx.update.stopped_message_generation;
      if (stopped) stopPressed(stopped.draft_id);
    });
    void b.start({ timeout: 5 });

    em.sendUserMessage(42, "/start");
    const reply = await em.waitForCall(
      (c) => c.method === "sendMessage" && c.chatId === 42 && c.ok,
    );
    expect(reply.ok).toBe(true);
    expect(em.visibleText(42)).toBe("Hi there!");

    em.pressStop(42, 77);
    expect(await stopSeen).toBe(77);
    await b.stop();
  });
});

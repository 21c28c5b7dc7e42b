/**
 * The stop button (Bot API 10.3): drafts sent with `can_stop`, the user
 * presses stop, Telegram sends `stopped_message_generation`, and the plugin
 * stops the model and keeps what was shown.
 */
import { run } from "@grammyjs/runner";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import type { StreamResult } from "../../grammy-plugin/index.js";
import type { CallRecord } from "../emulator/index.js";
import { createStreamBot, sentMessages, useServers } from "./harness.js";

const CHAT = 6161;

const servers = useServers();

/** A model that would talk for a long time, and remembers being stopped. */
function endlessModel() {
  const state = { signal: undefined as AbortSignal | undefined, produced: "" };
  async function* talk(signal: AbortSignal) {
    for (let i = 0; i < 2000 && !signal.aborted; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const part = `word${i} `;
      state.produced += part;
      yield part;
    }
  }
  const source = (signal: AbortSignal) => {
    state.signal = signal;
    return talk(signal);
  };
  return { state, source };
}

/** The first draft with some text, that shows a stop button. */
function stoppableDraft(call: CallRecord): boolean {
  return (
    call.method === "sendMessageDraft" &&
    call.ok &&
    call.chatId === CHAT &&
    String(call.params.text ?? "").length > 20
  );
}

/** The text of the last draft the user saw, without the cursor. */
function lastDraftText(): string {
  const drafts = servers.emulator.timeline(CHAT).drafts;
  const versions = drafts.at(-1)?.versions ?? [];
  return (versions.at(-1)?.text ?? "").replace(/\s*▉$/, "");
}

describe("the stop button", () => {
  it("aborts the source's signal, keeps what was shown and resolves aborted: true", async () => {
    const bot = createStreamBot(servers.emulator, { plugin: { canStop: true, format: "plain" } });
    const model = endlessModel();
    let result: StreamResult | undefined;
    bot.on("message:text", async (ctx) => {
      result = await ctx.streamReply(model.source);
    });

    const handling = bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "talk forever"));
    const draft = await servers.emulator.waitForCall(stoppableDraft);
    expect(draft.params.can_stop).toBe(true);
    const stop = servers.emulator.pressStop(CHAT, draft.params.draft_id as number);
    let nextRan = false;
    bot.on("stopped_message_generation", () => {
      nextRan = true;
    });
    await bot.handleUpdate(stop);
    await handling;

    expect(model.state.signal?.aborted).toBe(true);
    expect(result?.aborted).toBe(true);
    // The middleware passes the update on, so the bot can react to it too.
    expect(nextRan).toBe(true);
    const [message, ...more] = servers.emulator.visibleMessages(CHAT);
    expect(more).toEqual([]);
    const kept = message?.versions.at(-1)?.text ?? "";
    // What the user saw when pressing stop is kept (and whatever arrived before the stop landed).
    expect(kept.startsWith(lastDraftText().trim())).toBe(true);
    expect(kept).toBe(result?.text.trim());
    expect(model.state.produced.startsWith(result?.text ?? "?")).toBe(true);
    expect(sentMessages(servers.emulator, CHAT)).toHaveLength(1);
  });

  it("stops the openai request itself (the HTTP response is closed) under real polling with the runner", async () => {
    const script = Array.from({ length: 400 }, (_, i) => [
      { text: `token${i} ` },
      { delay: 5 },
    ]).flat();
    const server = await servers.startOpenAI(script);
    const client = new OpenAI({ apiKey: "test", baseURL: server.baseURL, maxRetries: 0 });
    const bot = createStreamBot(servers.emulator, { plugin: { canStop: true, format: "plain" } });
    let replied: (result: StreamResult) => void = () => {};
    const reply = new Promise<StreamResult>((resolve) => {
      replied = resolve;
    });
    bot.on("message:text", async (ctx) => {
      const result = await ctx.streamReply((signal) =>
        client.chat.completions.create(
          { model: "m", messages: [{ role: "user", content: "go" }], stream: true },
          { signal },
        ),
      );
      replied(result);
    });
    // Sequential polling (bot.start) would hold the stop update until the reply ended; the runner does not.
    const runner = run(bot, {
      runner: { fetch: { allowed_updates: ["message", "stopped_message_generation"] } },
    });
    try {
      servers.emulator.sendUserMessage(CHAT, "go");
      const draft = await servers.emulator.waitForCall(stoppableDraft);
      servers.emulator.pressStop(CHAT, draft.params.draft_id as number);
      const result = await reply;
      expect(result.aborted).toBe(true);
      expect(await server.requests[0]?.outcome).toBe("client-closed");
    } finally {
      await runner.stop();
    }
    expect(servers.emulator.visibleMessages(CHAT)).toHaveLength(1);
  });

  it("ignores a stop for a draft it does not know, and streams on", async () => {
    const bot = createStreamBot(servers.emulator, { plugin: { canStop: true, format: "plain" } });
    let result: StreamResult | undefined;
    bot.on("message:text", async (ctx) => {
      result = await ctx.streamReply(["All ", "of ", "it."]);
    });
    await bot.handleUpdate(servers.emulator.pressStop(CHAT, 987654));
    await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "hi"));
    expect(result?.aborted).toBe(false);
    expect(servers.emulator.visibleMessages(CHAT).map((m) => m.versions.at(-1)?.text)).toEqual([
      "All of it.",
    ]);
  });

  it("sends no stop button unless canStop is set", async () => {
    const bot = createStreamBot(servers.emulator, { plugin: { format: "plain" } });
    bot.on("message:text", (ctx) => ctx.streamReply(["Some ", "text ", "here."]).then(() => {}));
    await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "hi"));
    const drafts = servers.emulator.calls.filter((c) => c.method === "sendMessageDraft");
    expect(drafts.length).toBeGreaterThan(0);
    expect(drafts.some((c) => c.params.can_stop === true)).toBe(false);
  });
});

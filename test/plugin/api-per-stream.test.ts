/**
 * Two `Bot` objects with one token: one rate budget, but each stream calls
 * Telegram through the `Api` it was started with (its API root, its
 * transformers), even while the other bot's streams run.
 */
import { describe, expect, it } from "vitest";
import { type BotApi, StreamHub, streamHubFor, streamMessage } from "../../grammy-plugin/index.js";
import type { CallRecord } from "../emulator/index.js";
import {
  createStreamBot,
  newToken,
  type StreamBot,
  squash,
  startTestEmulator,
  TIME_SCALE,
  typing,
  useServers,
  words,
} from "./harness.js";

const servers = useServers();

/** A transformer that marks every call of `bot` with `via`, so the emulator's record shows which Api sent it. */
function tagCalls(bot: StreamBot, via: string): void {
  bot.api.config.use((prev, method, payload, signal) =>
    prev(method, { ...payload, via } as typeof payload, signal),
  );
}

/** Calls that carry text (sends, edits, drafts) to `chatId`. */
function textCalls(calls: CallRecord[], chatId: number): CallRecord[] {
  return calls.filter((c) => c.chatId === chatId && typeof c.params.text === "string");
}

describe("two Bot objects, one token", () => {
  it("each stream calls through its own API root, even while the other bot's update is newer", async () => {
    const token = newToken();
    const first = servers.emulator;
    const second = await startTestEmulator();
    try {
      const botA = createStreamBot(first, { token, plugin: { format: "plain" } });
      const botB = createStreamBot(second, { token, plugin: { format: "plain" } });
      const answerA = words(30, 1);
      const answerB = words(30, 2);
      botA.on("message:text", (ctx) => ctx.streamReply(typing(answerA, 10)));
      botB.on("message:text", (ctx) => ctx.streamReply(typing(answerB, 10)));
      await botA.init();
      await botB.init();

      const chatA = 1101;
      const chatB = 1102;
      const chatC = 1103;
      // The two emulators each count update ids from 1: both updates have the same id,
      // and B's is not taken for a redelivery of A's (its chat and text differ).
      const handledA = botA.handleUpdate(first.sendUserMessage(chatA, "hi"));
      // B's update arrives while A's reply streams; then a streamMessage through A's Api.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const handledB = botB.handleUpdate(second.sendUserMessage(chatB, "hi"));
      const streamedC = streamMessage(botA.api, chatC, typing(words(10, 3), 10), {
        format: "plain",
        timeScale: TIME_SCALE,
      });
      await Promise.all([handledA, handledB, streamedC]);

      expect(squash(first.visibleText(chatA))).toBe(squash(answerA.join("")));
      expect(squash(second.visibleText(chatB))).toBe(squash(answerB.join("")));
      expect(squash(first.visibleText(chatC))).toBe(squash(words(10, 3).join("")));
      // No call crossed over: each API root saw only its own chats.
      expect(first.calls.filter((c) => c.chatId === chatB)).toEqual([]);
      expect(second.calls.filter((c) => c.chatId === chatA || c.chatId === chatC)).toEqual([]);
      // ... while one hub (one budget) served both.
      expect(streamHubFor(botA.api)).toBe(streamHubFor(botB.api));
    } finally {
      await second.close();
    }
  });

  it("each stream keeps its own transformers, and both share one budget: no 429 in one group", async () => {
    const emulator = servers.emulator;
    const group = -1001100;
    emulator.addChat({ id: group, type: "supergroup" });
    const token = newToken();
    const botA = createStreamBot(emulator, {
      token,
      plugin: { format: "plain" },
      configure: (bot) => tagCalls(bot, "a"),
    });
    const botB = createStreamBot(emulator, {
      token,
      plugin: { format: "plain" },
      configure: (bot) => tagCalls(bot, "b"),
    });
    // Words that tell the two answers apart in every call that carries text.
    const answers = {
      a: Array.from({ length: 40 }, (_, i) => `alpha${i} `),
      b: Array.from({ length: 40 }, (_, i) => `bravo${i} `),
    };
    const replies: Record<string, string> = {};
    for (const [bot, via] of [
      [botA, "a"],
      [botB, "b"],
    ] as const) {
      bot.on("message:text", async (ctx) => {
        const result = await ctx.streamReply(typing(answers[via], 25));
        replies[via] = result.text;
      });
      await bot.init();
    }

    // Both updates are handled at once, interleaving their calls into one group.
    await Promise.all([
      botA.handleUpdate(emulator.sendUserMessage(group, "question for a")),
      botB.handleUpdate(emulator.sendUserMessage(group, "question for b")),
    ]);

    expect(squash(replies.a ?? "")).toBe(squash(answers.a.join("")));
    expect(squash(replies.b ?? "")).toBe(squash(answers.b.join("")));
    const calls = textCalls(emulator.calls, group);
    const byVia = (via: string) => calls.filter((c) => c.params.via === via);
    expect(byVia("a").length).toBeGreaterThan(0);
    expect(byVia("b").length).toBeGreaterThan(0);
    expect(byVia("a").length + byVia("b").length).toBe(calls.length);
    // Every call of a stream came through that stream's own transformer.
    for (const call of byVia("a")) expect(String(call.params.text)).not.toMatch(/bravo/);
    for (const call of byVia("b")) expect(String(call.params.text)).not.toMatch(/alpha/);
    expect(byVia("a").some((c) => String(c.params.text).includes("alpha39"))).toBe(true);
    expect(byVia("b").some((c) => String(c.params.text).includes("bravo39"))).toBe(true);
    expect(emulator.stats().tooManyRequests).toBe(0);
  });

  it("StreamHub.stream refuses an api that cannot call, before any request", () => {
    const calls: string[] = [];
    const hub = new StreamHub({
      call: async (method) => {
        calls.push(method);
        return true;
      },
    });
    expect(() => hub.stream(5, {}, {} as BotApi)).toThrow(TypeError);
    expect(() => hub.stream(5, {}, { call: "no" } as unknown as BotApi)).toThrow(
      /api must be a BotApi/,
    );
    expect(hub.activeStreams.size).toBe(0);
    expect(calls).toEqual([]);
  });
});

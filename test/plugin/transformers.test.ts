/**
 * The plugin with the transformers bots install (auto-retry, the throttler,
 * both, none) and with @grammyjs/runner processing several chats at once:
 * no 429 from the emulator, no lost text, no duplicate message.
 *
 * The throttler's limits are real seconds (it cannot be scaled), so every
 * chat here gets a short answer.
 */
import { autoRetry } from "@grammyjs/auto-retry";
import { run } from "@grammyjs/runner";
import { apiThrottler } from "@grammyjs/transformer-throttler";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/index.js";
import {
  createStreamBot,
  type StreamBot,
  sentMessages,
  startTestEmulator,
  typing,
  words,
} from "./harness.js";

let emulator: Emulator;

beforeEach(async () => {
  emulator = await startTestEmulator();
});

afterEach(async () => {
  await emulator.close();
});

const PRIVATE_CHATS = [9001, 9002];
const GROUP = -1009003;

const variants: Array<{ name: string; install: (bot: StreamBot) => void }> = [
  { name: "no transformer", install: () => {} },
  { name: "auto-retry", install: (bot) => bot.api.config.use(autoRetry()) },
  { name: "the throttler", install: (bot) => bot.api.config.use(apiThrottler()) },
  {
    name: "auto-retry and the throttler",
    install: (bot) => {
      bot.api.config.use(apiThrottler());
      bot.api.config.use(autoRetry());
    },
  },
];

/** The answer each chat gets: different per chat, so a mix-up would show. */
function answerFor(chatId: number): string[] {
  return words(12, Math.abs(chatId) % 10);
}

describe.each(variants)("with $name, under the runner", ({ install }) => {
  it("answers several chats at once without a 429, a lost word or a duplicate", async () => {
    emulator.addChat({ id: GROUP, type: "supergroup" });
    const chats = [...PRIVATE_CHATS, GROUP];
    const bot = createStreamBot(emulator, { configure: install, plugin: { format: "plain" } });
    const finished = new Set<number>();
    let allDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    bot.on("message:text", async (ctx) => {
      await ctx.streamReply(typing(answerFor(ctx.chat.id), 5));
      finished.add(ctx.chat.id);
      if (finished.size === chats.length) allDone();
    });

    const runner = run(bot);
    try {
      for (const chatId of chats) emulator.sendUserMessage(chatId, "hello");
      await done;
    } finally {
      await runner.stop();
    }

    expect(emulator.stats().tooManyRequests).toBe(0);
    for (const chatId of chats) {
      const messages = emulator.visibleMessages(chatId);
      expect(messages.map((m) => m.versions.at(-1)?.text)).toEqual([
        answerFor(chatId).join("").trim(),
      ]);
      expect(sentMessages(emulator, chatId)).toHaveLength(1);
    }
    // Drafts in private chats, edits in the group.
    expect(emulator.timeline(PRIVATE_CHATS[0] as number).drafts.length).toBeGreaterThan(0);
    expect(emulator.timeline(GROUP).drafts).toHaveLength(0);
  });
});

describe("a longer burst under the runner, without transformers", () => {
  it("keeps five chats under the limits while they stream long answers", async () => {
    const chats = [9101, 9102, 9103, -1009104, -1009105];
    for (const id of chats) if (id < 0) emulator.addChat({ id, type: "supergroup" });
    // Several messages per chat: each answer is longer than the (lowered) text limit.
    const bot = createStreamBot(emulator, { plugin: { format: "plain", textLimit: 300 } });
    const answers = new Map(chats.map((id, i) => [id, words(150, i)]));
    let pending = chats.length;
    let allDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    bot.on("message:text", async (ctx) => {
      await ctx.streamReply(typing(answers.get(ctx.chat.id) ?? [], 2));
      pending -= 1;
      if (pending === 0) allDone();
    });

    const runner = run(bot);
    try {
      for (const chatId of chats) emulator.sendUserMessage(chatId, "tell me everything");
      await done;
    } finally {
      await runner.stop();
    }

    expect(emulator.stats().tooManyRequests).toBe(0);
    for (const chatId of chats) {
      const messages = emulator.visibleMessages(chatId);
      expect(messages.length).toBeGreaterThan(1);
      const shown = messages.map((m) => m.versions.at(-1)?.text ?? "").join(" ");
      expect(shown.replace(/\s+/g, " ")).toBe((answers.get(chatId) ?? []).join("").trim());
      expect(sentMessages(emulator, chatId)).toHaveLength(messages.length);
    }
  });
});

describe("the transformer path", () => {
  it("sends every call of a stream through the bot's installed transformers", async () => {
    const seen: string[] = [];
    const bot = createStreamBot(emulator, {
      plugin: { format: "plain" },
      configure: (b) =>
        b.api.config.use((prev, method, payload, signal) => {
          seen.push(method);
          return prev(method, payload, signal);
        }),
    });
    bot.on("message:text", (ctx) => ctx.streamReply(typing(words(20), 5)).then(() => {}));

    await bot.handleUpdate(emulator.sendUserMessage(9201, "hi"));

    expect(seen.length).toBeGreaterThan(2);
    expect(seen).toEqual(emulator.calls.map((c) => c.method));
  });

  it("uses a transformer installed after the bot's first stream for the next one", async () => {
    const seen: string[] = [];
    const bot = createStreamBot(emulator, { plugin: { format: "plain" } });
    bot.on("message:text", (ctx) => ctx.streamReply("A short answer.").then(() => {}));

    await bot.handleUpdate(emulator.sendUserMessage(9202, "first"));
    const callsBefore = emulator.calls.length;
    bot.api.config.use((prev, method, payload, signal) => {
      seen.push(method);
      return prev(method, payload, signal);
    });
    await bot.handleUpdate(emulator.sendUserMessage(9202, "second"));

    expect(seen).toEqual(emulator.calls.slice(callsBefore).map((c) => c.method));
    expect(seen).toContain("sendMessage");
  });
});

/**
 * ctx.streamReply in every kind of chat, through a real grammY Bot talking
 * HTTP to the emulator: where the reply goes and how it is shown.
 */
import type { Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type StreamResult,
  streamHubFor,
  streaming,
  streamMessage,
} from "../../grammy-plugin/index.js";
import type { Emulator } from "../emulator/index.js";
import {
  createStreamBot,
  newToken,
  sentMessages,
  shownText,
  startTestEmulator,
  TIME_SCALE,
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

const PRIVATE_CHAT = 4242;

describe("ctx.streamReply in a private chat", () => {
  it("animates a draft, then keeps the whole answer in exactly one message", async () => {
    const bot = createStreamBot(emulator);
    const parts = words(40);
    let result: StreamResult | undefined;
    bot.on("message:text", async (ctx) => {
      result = await ctx.streamReply(typing(parts), { format: "plain" });
    });

    await bot.handleUpdate(emulator.sendUserMessage(PRIVATE_CHAT, "Tell me about streaming"));

    const timeline = emulator.timeline(PRIVATE_CHAT);
    const draftTexts = timeline.drafts.flatMap((d) => d.versions.map((v) => v.text));
    expect(draftTexts.length).toBeGreaterThan(2);
    // The preview grows: later versions are longer.
    expect(draftTexts[draftTexts.length - 1]?.length).toBeGreaterThan(draftTexts[0]?.length ?? 0);
    expect(timeline.drafts.every((d) => d.vanishReason === "message")).toBe(true);
    expect(timeline.messages).toHaveLength(1);
    expect(shownText(emulator, PRIVATE_CHAT)).toBe(parts.join("").trim());
    expect(sentMessages(emulator, PRIVATE_CHAT)).toHaveLength(1);
    expect(result?.transport).toBe("draft");
    expect(result?.messages.map((m) => m.message_id)).toEqual([timeline.messages[0]?.messageId]);
    expect(emulator.stats().tooManyRequests).toBe(0);
  });

  it("renders Markdown by default, as LLMs write it", async () => {
    const bot = createStreamBot(emulator);
    bot.on("message:text", async (ctx) => {
      await ctx.streamReply(typing(["Some ", "**bold", "** and `code`."]));
    });

    await bot.handleUpdate(emulator.sendUserMessage(PRIVATE_CHAT, "format please"));

    const [message] = emulator.visibleMessages(PRIVATE_CHAT);
    const final = message?.versions.at(-1);
    expect(final?.text).toBe("Some bold and code.");
    expect(final?.entities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "bold", offset: 5, length: 4 }),
        expect.objectContaining({ type: "code", offset: 14, length: 4 }),
      ]),
    );
  });

  it("answers in the topic of a private chat with topics", async () => {
    emulator.addChat({ id: 5151, type: "private", hasTopics: true, topics: [3] });
    const bot = createStreamBot(emulator);
    bot.on("message:text", (ctx) =>
      ctx.streamReply(typing(words(8)), { format: "plain" }).then(() => {}),
    );

    await bot.handleUpdate(emulator.sendUserMessage(5151, "hi", { threadId: 3 }));

    const timeline = emulator.timeline(5151);
    expect(timeline.drafts.length).toBeGreaterThan(0);
    expect(timeline.drafts.every((d) => d.threadId === 3)).toBe(true);
    expect(timeline.messages.map((m) => m.threadId)).toEqual([3]);
  });
});

describe("ctx.streamReply in groups", () => {
  it("sends one message in a supergroup and edits it as the text grows, without drafts", async () => {
    const group = -1001234;
    emulator.addChat({ id: group, type: "supergroup" });
    const bot = createStreamBot(emulator);
    const parts = words(30, 3);
    let result: StreamResult | undefined;
    bot.on("message:text", async (ctx) => {
      result = await ctx.streamReply(typing(parts, 10), { format: "plain" });
    });

    await bot.handleUpdate(emulator.sendUserMessage(group, "question"));

    const timeline = emulator.timeline(group);
    expect(timeline.drafts).toHaveLength(0);
    expect(emulator.calls.some((c) => c.method === "sendMessageDraft")).toBe(false);
    expect(timeline.messages).toHaveLength(1);
    expect(timeline.messages[0]?.versions.length).toBeGreaterThan(1);
    expect(shownText(emulator, group)).toBe(parts.join("").trim());
    expect(result?.transport).toBe("edit");
    expect(emulator.stats().tooManyRequests).toBe(0);
  });

  it("answers a forum topic message in that topic", async () => {
    const forum = -1009876;
    emulator.addChat({ id: forum, type: "supergroup", isForum: true, topics: [42, 43] });
    const bot = createStreamBot(emulator);
    bot.on("message:text", (ctx) =>
      ctx.streamReply(typing(words(10)), { format: "plain" }).then(() => {}),
    );

    await bot.handleUpdate(emulator.sendUserMessage(forum, "in topic 42", { threadId: 42 }));

    expect(emulator.visibleMessages(forum, 42)).toHaveLength(1);
    expect(emulator.visibleMessages(forum, 43)).toHaveLength(0);
    const sends = emulator.calls.filter((c) => c.method === "sendMessage");
    expect(sends.map((c) => c.params.message_thread_id)).toEqual([42]);
  });

  it("quotes the user's message with replyTo: true, in the first message only", async () => {
    const group = -1005555;
    emulator.addChat({ id: group, type: "supergroup" });
    // A low text limit makes the answer span several messages quickly.
    const bot = createStreamBot(emulator, { plugin: { textLimit: 120 } });
    const parts = words(60, 5);
    bot.on("message:text", (ctx) =>
      ctx.streamReply(typing(parts, 2), { format: "plain", replyTo: true }).then(() => {}),
    );

    const update = emulator.sendUserMessage(group, "please quote me");
    await bot.handleUpdate(update);

    const messages = emulator.visibleMessages(group);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages[0]?.replyToMessageId).toBe(update.message?.message_id);
    expect(messages.slice(1).every((m) => m.replyToMessageId === undefined)).toBe(true);
    expect(shownText(emulator, group).replace(/\s+/g, " ")).toBe(parts.join("").trim());
  });

  it("does not quote without replyTo", async () => {
    const group = -1005556;
    emulator.addChat({ id: group, type: "supergroup" });
    const bot = createStreamBot(emulator);
    bot.on("message:text", (ctx) =>
      ctx.streamReply("Short answer.", { format: "plain" }).then(() => {}),
    );

    await bot.handleUpdate(emulator.sendUserMessage(group, "hi"));

    expect(emulator.visibleMessages(group).map((m) => m.replyToMessageId)).toEqual([undefined]);
  });

  it("takes replyTo from streaming() defaults", async () => {
    const group = -1005557;
    emulator.addChat({ id: group, type: "supergroup" });
    const bot = createStreamBot(emulator, { plugin: { replyTo: true } });
    bot.on("message:text", (ctx) =>
      ctx.streamReply("Short answer.", { format: "plain" }).then(() => {}),
    );

    const update = emulator.sendUserMessage(group, "hi");
    await bot.handleUpdate(update);

    expect(emulator.visibleMessages(group)[0]?.replyToMessageId).toBe(update.message?.message_id);
  });
});

describe("ctx.streamReply in business chats", () => {
  it("replies through the business connection with edits, never drafts", async () => {
    const bot = createStreamBot(emulator);
    const parts = words(20, 2);
    let result: StreamResult | undefined;
    bot.on("business_message:text", async (ctx) => {
      result = await ctx.streamReply(typing(parts, 10), { format: "plain" });
    });

    await bot.handleUpdate(
      emulator.sendUserMessage(7070, "hello shop", { businessConnectionId: "bc-77" }),
    );

    expect(emulator.calls.some((c) => c.method === "sendMessageDraft")).toBe(false);
    const timeline = emulator.timeline(7070);
    expect(timeline.messages).toHaveLength(1);
    expect(timeline.messages[0]?.businessConnectionId).toBe("bc-77");
    const bodies = emulator.calls.filter(
      (c) => c.method === "sendMessage" || c.method === "editMessageText",
    );
    expect(bodies.every((c) => c.params.business_connection_id === "bc-77")).toBe(true);
    expect(shownText(emulator, 7070)).toBe(parts.join("").trim());
    expect(result?.transport).toBe("edit");
  });
});

describe("where ctx.streamReply cannot go", () => {
  it("rejects with a clear Error on an update without a chat, before any request", async () => {
    const bot = createStreamBot(emulator);
    let failure: unknown;
    bot.on("inline_query", async (ctx) => {
      failure = await ctx.streamReply("never sent").catch((error: unknown) => error);
    });

    const update = {
      update_id: 1,
      inline_query: {
        id: "q1",
        from: { id: 5, is_bot: false, first_name: "U" },
        query: "x",
        offset: "",
      },
    } as Update;
    await bot.handleUpdate(update);

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(
      /needs an update that belongs to a chat.*inline_query/,
    );
    expect(emulator.calls).toHaveLength(0);
  });

  it("rejects replyTo on an update with a chat but no message, before any request", async () => {
    const bot = createStreamBot(emulator);
    let failure: unknown;
    bot.on("my_chat_member", async (ctx) => {
      failure = await ctx
        .streamReply("never sent", { replyTo: true })
        .catch((error: unknown) => error);
    });
    const member = { id: 5, is_bot: false, first_name: "U" };
    const update = {
      update_id: 1,
      my_chat_member: {
        chat: { id: PRIVATE_CHAT, type: "private", first_name: "U" },
        from: member,
        date: 0,
        old_chat_member: { status: "member", user: member },
        new_chat_member: { status: "kicked", user: member, until_date: 0 },
      },
    } as Update;
    await bot.handleUpdate(update);

    expect((failure as Error).message).toMatch(
      /replyTo needs an update with a message.*my_chat_member/,
    );
    expect(emulator.calls).toHaveLength(0);
  });
});

describe("options", () => {
  it("streaming() throws for invalid options when the bot is built", () => {
    expect(() => streaming({ transport: "fast" as "edit" })).toThrow(TypeError);
    expect(() => streaming({ transport: "fast" as "edit" })).toThrow(/transport/);
    expect(() => streaming({ timeScale: -1 })).toThrow(RangeError);
    expect(() => streaming({ textLimit: 5000 })).toThrow(/textLimit/);
    expect(() => streaming({ limits: { privateChat: { windows: [], burst: 1 } } })).toThrow(
      /privateChat/,
    );
    expect(() => streaming({ colour: "red" } as object)).toThrow(/unknown stream option "colour"/);
    expect(() => streaming({ replyTo: "yes" as unknown as boolean })).toThrow(/replyTo/);
    expect(() => streaming(null as unknown as object)).toThrow(TypeError);
  });

  it("ctx.streamReply rejects invalid options before any request", async () => {
    const bot = createStreamBot(emulator);
    const failures: unknown[] = [];
    bot.on("message:text", async (ctx) => {
      const attempts: Array<() => Promise<unknown>> = [
        () => ctx.streamReply("x", { cursor: 5 as unknown as string }),
        () => ctx.streamReply("x", { maxFinalWaitMs: -1 }),
        () => ctx.streamReply("x", { timeScale: 1 } as object),
        () => ctx.streamReply("x", { replyTo: 1 as unknown as boolean }),
        () => ctx.streamReply(42 as unknown as string),
      ];
      for (const attempt of attempts)
        failures.push(await attempt().catch((error: unknown) => error));
    });

    await bot.handleUpdate(emulator.sendUserMessage(PRIVATE_CHAT, "hi"));

    expect(failures.map((f) => (f as Error).constructor.name)).toEqual([
      "TypeError",
      "RangeError",
      "TypeError",
      "TypeError",
      "TypeError",
    ]);
    expect((failures[0] as Error).message).toMatch(/cursor/);
    expect((failures[2] as Error).message).toMatch(/timeScale.*streaming\(\)/);
    expect((failures[4] as Error).message).toMatch(/async iterable/);
    expect(emulator.calls).toHaveLength(0);
  });

  it("a call's options override streaming() defaults, which override the plugin's", async () => {
    const group = -1003333;
    emulator.addChat({ id: group, type: "supergroup" });
    const bot = createStreamBot(emulator, { plugin: { format: "plain", cursor: "" } });
    bot.on("message:text", async (ctx) => {
      await ctx.streamReply("**kept as typed**");
      await ctx.streamReply("**now bold**", { format: "markdown" });
    });

    await bot.handleUpdate(emulator.sendUserMessage(group, "hi"));

    const texts = emulator.visibleMessages(group).map((m) => m.versions.at(-1)?.text);
    expect(texts).toEqual(["**kept as typed**", "now bold"]);
  });
});

describe("streamMessage outside a handler", () => {
  it("streams to any chat with the bot's Api", async () => {
    const bot = createStreamBot(emulator);
    const parts = words(12, 4);

    const result = await streamMessage(bot.api, 8080, typing(parts), {
      format: "plain",
      timeScale: TIME_SCALE,
    });

    expect(shownText(emulator, 8080)).toBe(parts.join("").trim());
    expect(result.transport).toBe("draft");
    expect(result.messages).toHaveLength(1);
  });

  it("shares one rate budget with ctx.streamReply: three streams into one chat draw no 429", async () => {
    const bot = createStreamBot(emulator, { plugin: { transport: "edit" } });
    const answers = [words(60, 1), words(60, 6), words(60, 8)];
    bot.on("message:text", async (ctx) => {
      await ctx.streamReply(typing(answers[0] ?? [], 6), { format: "plain" });
    });

    // Separate budgets would each send at the chat's limit, together well over it.
    await Promise.all([
      bot.handleUpdate(emulator.sendUserMessage(PRIVATE_CHAT, "first")),
      ...answers.slice(1).map((answer) =>
        streamMessage(bot.api, PRIVATE_CHAT, typing(answer, 6), {
          format: "plain",
          transport: "edit",
        }),
      ),
    ]);

    expect(emulator.stats().tooManyRequests).toBe(0);
    const finals = emulator.visibleMessages(PRIVATE_CHAT).map((m) => m.versions.at(-1)?.text);
    expect(finals.sort()).toEqual(answers.map((answer) => answer.join("").trim()).sort());
  });

  it("uses the same hub as the middleware", async () => {
    const bot = createStreamBot(emulator);
    let hubInHandler: unknown;
    bot.on("message:text", (ctx) => {
      hubInHandler = streamHubFor(ctx.api);
    });
    await bot.handleUpdate(emulator.sendUserMessage(PRIVATE_CHAT, "hi"));
    expect(hubInHandler).toBe(streamHubFor(bot.api));
  });

  it("refuses hub settings that differ from the bot's hub", async () => {
    const bot = createStreamBot(emulator);
    await bot.handleUpdate(emulator.sendUserMessage(PRIVATE_CHAT, "create the hub"));

    await expect(streamMessage(bot.api, PRIVATE_CHAT, "x", { timeScale: 1 })).rejects.toThrow(
      /timeScale/,
    );
    expect(emulator.calls).toHaveLength(0);
  });

  it("throws a TypeError for something that is not a grammY Api", async () => {
    await expect(streamMessage({} as never, 1, "x")).rejects.toThrow(TypeError);
    await expect(
      streamMessage({ token: newToken(), raw: {} } as never, 1, "x", { replyTo: true } as object),
    ).rejects.toThrow(/replyTo/);
  });
});

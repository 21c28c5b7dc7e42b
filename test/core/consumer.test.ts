import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BotApi } from "../../shared/bot-api.js";
import { StreamDeliveryError } from "../../shared/errors.js";
import { StreamHub } from "../../shared/hub.js";
import { partialResultOf } from "../../shared/result.js";
import { chunks, drive, settle } from "../support/drive.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { DRAFTS, GROUP_CHAT, overflowedWindow } from "../support/windows.js";

const PRIVATE = 42;
const GROUP = -100123;

let tg: FakeTelegram;
let hub: StreamHub;

beforeEach(() => {
  vi.useFakeTimers();
  tg = new FakeTelegram();
  hub = new StreamHub(tg);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("edit transport", () => {
  it("grows one message and finishes it without the cursor", async () => {
    const result = await drive(hub.stream(GROUP), [
      "Hello",
      { wait: 3500 },
      ", world",
      { wait: 3500 },
      "!",
    ]);
    expect(tg.visibleTexts()).toEqual(["Hello, world!"]);
    expect(result.messages.map((m) => m.text)).toEqual(["Hello, world!"]);
    expect(result.transport).toBe("edit");
    const versions = tg.messages[0]?.versions ?? [];
    expect(versions[0]).toBe("Hello ▉");
    expect(versions.slice(0, -1).every((v) => v.endsWith(" ▉"))).toBe(true);
    expect(versions.at(-1)).toBe("Hello, world!");
  });

  it("shows typing before the first token and sends no placeholder message", async () => {
    const consumer = hub.stream(GROUP);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tg.callsOf("sendMessage")).toHaveLength(0);
    expect(tg.callsOf("sendChatAction").length).toBeGreaterThanOrEqual(2);
    await drive(consumer, ["Hi"]);
    expect(tg.visibleTexts()).toEqual(["Hi"]);
  });

  it("flushes a short first fragment at once, without waiting for a minimum length", async () => {
    const consumer = hub.stream(GROUP);
    consumer.delta("Hi");
    await vi.advanceTimersByTimeAsync(200);
    expect(tg.messages[0]?.versions[0]).toBe("Hi ▉");
    await drive(consumer, []);
  });

  it("paces sends and edits at the group budget however fast the model writes", async () => {
    const script = Array.from({ length: 300 }, (_, i) => [`w${i} `, { wait: 100 }]).flat();
    await drive(hub.stream(GROUP), script);
    const sends = tg.callsOf("sendMessage", "editMessageText").map((c) => c.at);
    expect(overflowedWindow(sends, GROUP_CHAT)).toBeUndefined();
    // Busy all along: the budget is used, not left idle (30 s at 20 per minute is 10 calls or more).
    expect(sends.length).toBeGreaterThanOrEqual(10);
    expect(tg.visibleTexts().join("")).toBe(
      Array.from({ length: 300 }, (_, i) => `w${i}`).join(" "),
    );
  });

  it("treats 'message is not modified' as success and never resends", async () => {
    tg.faultFor = (method, _p, i) =>
      method === "editMessageText" && i > 2
        ? {
            kind: "telegram",
            code: 400,
            description: "Bad Request: message is not modified: specified new message content",
          }
        : undefined;
    const result = await drive(hub.stream(GROUP), ["one", { wait: 4000 }, " two", { wait: 4000 }]);
    expect(tg.callsOf("sendMessage")).toHaveLength(1);
    expect(result.messages).toHaveLength(1);
  });

  it("sends only the unseen part when the user deletes the message mid-stream", async () => {
    const consumer = hub.stream(GROUP);
    consumer.delta("First part. ");
    await vi.advanceTimersByTimeAsync(500);
    const first = tg.messages[0];
    expect(first?.versions[0]).toBe("First part. ▉".replace(". ▉", ". ▉"));
    if (first) first.deleted = true;
    const result = await drive(consumer, ["Second part."]);
    expect(tg.visibleTexts()).toEqual(["Second part."]);
    expect(result.stats.messagesLost).toBe(1);
    expect(result.messages.map((m) => m.text)).toEqual(["Second part."]);
  });

  it("keeps the text before a tool boundary when editing fails mid-stream", async () => {
    const consumer = hub.stream(GROUP);
    consumer.delta("Let me check.");
    await vi.advanceTimersByTimeAsync(500);
    tg.faultFor = (method) =>
      method === "editMessageText"
        ? { kind: "telegram", code: 400, description: "Bad Request: message can't be edited" }
        : undefined;
    consumer.delta(" Looking it up");
    consumer.segment();
    const result = await drive(consumer, ["The answer is 4."]);
    const all = tg.visibleTexts().join(" ");
    expect(all).toContain("Looking it up");
    expect(all).toContain("The answer is 4.");
    expect(result.messages.at(-1)?.text).toBe("The answer is 4.");
  });

  it("retries a failed first send instead of dropping the reply", async () => {
    tg.faultFor = (method, _p, i) =>
      method === "sendMessage" && i < 3
        ? { kind: "telegram", code: 502, description: "Bad Gateway" }
        : undefined;
    const result = await drive(hub.stream(GROUP), ["Answer"]);
    expect(tg.visibleTexts()).toEqual(["Answer"]);
    expect(result.stats.retries).toBeGreaterThan(0);
  });

  it("falls back to sending the unseen tail when the transport returns no message id", async () => {
    let sends = 0;
    tg.faultFor = (method) =>
      method === "sendMessage" && ++sends === 1 ? { kind: "noId" } : undefined;
    const consumer = hub.stream(GROUP, { cursor: "" });
    consumer.delta("Start");
    await vi.advanceTimersByTimeAsync(500);
    const result = await drive(consumer, [" and the rest."]);
    expect(tg.visibleTexts()).toEqual(["Start", "and the rest."]);
    expect(tg.callsOf("editMessageText")).toHaveLength(0);
    expect(result.messages.at(-1)?.text).toBe("and the rest.");
  });

  it("renders a message that cannot be edited only when it ends or overflows, not on every delta", async () => {
    let renders = 0;
    const counting = {
      name: "plain" as const,
      render(source: string) {
        renders++;
        return { text: source, entities: [] };
      },
    };
    let sends = 0;
    tg.faultFor = (method) =>
      method === "sendMessage" && ++sends === 1 ? { kind: "noId" } : undefined;
    const consumer = hub.stream(GROUP, { cursor: "", format: counting });
    consumer.delta("Start");
    await vi.advanceTimersByTimeAsync(500);
    const rendersAtFirstSend = renders;
    const script = Array.from({ length: 2000 }, (_, i) => `word${i} `);
    await drive(consumer, script);
    expect(tg.visibleTexts().join(" ").split(/\s+/).filter(Boolean)).toHaveLength(2001);
    // About one rendering per half message of new text, not one per delta.
    expect(renders - rendersAtFirstSend).toBeLessThan(60);
  });

  it("takes no slot of the chat's budget for new text that shows nothing new", async () => {
    let acquires = 0;
    const acquire = hub.budget.acquire.bind(hub.budget);
    hub.budget.acquire = (...args: Parameters<typeof acquire>) => {
      acquires++;
      return acquire(...args);
    };
    const consumer = hub.stream(GROUP, { format: "markdown" });
    consumer.delta("Hello there.");
    await vi.advanceTimersByTimeAsync(3000);
    const before = acquires;
    // A paragraph break, then the model thinks for a minute: nothing new to show.
    consumer.delta("\n\n");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(acquires - before).toBeLessThanOrEqual(1);
    await drive(consumer, ["Next paragraph."]);
    expect(tg.visibleTexts()).toEqual(["Hello there.\n\nNext paragraph."]);
  });

  it("sends a message as plain text when its rendering throws, instead of failing the reply", async () => {
    const fragile = {
      name: "markdown" as const,
      render(source: string) {
        if (source.includes("boom")) throw new RangeError("Maximum call stack size exceeded");
        return { text: source.toUpperCase(), entities: [] };
      },
    };
    const result = await drive(hub.stream(GROUP, { format: fragile }), [
      "fine so far, ",
      { wait: 1500 },
      "then boom.",
    ]);
    expect(tg.visibleTexts()).toEqual(["fine so far, then boom."]);
    expect(tg.visibleTexts()[0]?.endsWith("▉")).toBe(false);
    expect(result.messages).toHaveLength(1);
  });
});

describe("draft transport", () => {
  it("shows the Thinking placeholder after 0.2 s, animates one draft, persists with exactly one sendMessage", async () => {
    const consumer = hub.stream(PRIVATE);
    await vi.advanceTimersByTimeAsync(150);
    expect(tg.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(tg.calls[0]).toMatchObject({ method: "sendMessageDraft", payload: { text: "" } });
    const result = await drive(consumer, [
      "The",
      { wait: 800 },
      " answer",
      { wait: 800 },
      " is 42.",
    ]);
    const drafts = tg.callsOf("sendMessageDraft");
    const ids = new Set(drafts.map((c) => c.payload.draft_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).not.toBe(0);
    expect(tg.callsOf("sendMessage")).toHaveLength(1);
    expect(tg.callsOf("editMessageText")).toHaveLength(0);
    expect(tg.visibleTexts()).toEqual(["The answer is 42."]);
    expect(result.transport).toBe("draft");
  });

  it("shows the text first, and no placeholder, when the model starts at once", async () => {
    const consumer = hub.stream(PRIVATE);
    await vi.advanceTimersByTimeAsync(50);
    consumer.delta("Quick");
    await vi.advanceTimersByTimeAsync(10);
    expect(tg.calls[0]).toMatchObject({ method: "sendMessageDraft", payload: { text: "Quick ▉" } });
    await drive(consumer, []);
    expect(tg.callsOf("sendMessageDraft").every((c) => c.payload.text !== "")).toBe(true);
  });

  it("keeps drafts within 20 per 5 s and 40 per 30 s for a 60 s answer", async () => {
    const script = Array.from({ length: 600 }, (_, i) => [`t${i} `, { wait: 100 }]).flat();
    await drive(hub.stream(PRIVATE), script);
    const at = tg.callsOf("sendMessageDraft", "sendChatAction").map((c) => c.at);
    expect(overflowedWindow(at, DRAFTS)).toBeUndefined();
    expect(at.length).toBeGreaterThan(60);
  });

  it("refreshes a draft before Telegram's 30 s expiry while the model is silent", async () => {
    const consumer = hub.stream(PRIVATE);
    consumer.delta("Thinking out loud");
    await vi.advanceTimersByTimeAsync(65_000);
    const at = tg.callsOf("sendMessageDraft").map((c) => c.at);
    expect(Math.max(...at.slice(1).map((t, i) => t - (at[i] ?? 0)))).toBeLessThan(30_000);
    await drive(consumer, []);
  });

  it("switches to editing mid-stream when drafts are refused, losing and repeating nothing", async () => {
    const consumer = hub.stream(PRIVATE);
    consumer.delta("Part one, ");
    await vi.advanceTimersByTimeAsync(1000);
    tg.faultFor = (method) =>
      method === "sendMessageDraft"
        ? { kind: "telegram", code: 400, description: "Bad Request: TEXTDRAFT_PEER_INVALID" }
        : undefined;
    const result = await drive(consumer, ["part two, ", { wait: 2000 }, "part three."]);
    expect(tg.visibleTexts()).toEqual(["Part one, part two, part three."]);
    expect(result.transport).toBe("edit");
    expect(result.stats.transportSwitches).toBe(1);
    // Later streams to that chat start with the edit transport.
    await drive(hub.stream(PRIVATE), ["again"]);
    expect(tg.calls.slice(-3).some((c) => c.method === "sendMessageDraft")).toBe(false);
  });

  it("keeps drafts after a parse error or a too-long text on a draft, and fixes those instead", async () => {
    let refusals = 0;
    tg.faultFor = (method) => {
      if (method !== "sendMessageDraft" || refusals >= 2) return undefined;
      refusals++;
      return refusals === 1
        ? { kind: "telegram", code: 400, description: "Bad Request: can't parse entities: x" }
        : { kind: "telegram", code: 400, description: "Bad Request: text is too long" };
    };
    const result = await drive(hub.stream(PRIVATE, { format: "markdown" }), [
      "**Bold** start, ",
      { wait: 1500 },
      "then more, ",
      { wait: 1500 },
      "and the end.",
    ]);
    expect(refusals).toBe(2);
    expect(result.transport).toBe("draft");
    expect(result.stats.transportSwitches).toBe(0);
    expect(result.stats.parseFallbacks).toBe(1);
    expect(tg.visibleTexts()).toEqual(["Bold start, then more, and the end."]);
    expect(hub.draftsUnsupported(PRIVATE)).toBe(false);
  });

  it("starts a new message below at each tool boundary, with no empty or cursor-only message", async () => {
    const result = await drive(hub.stream(PRIVATE), [
      "Checking the weather.",
      { segment: true },
      { segment: true },
      { wait: 50 },
      { segment: true },
      "It is sunny.",
    ]);
    expect(tg.visibleTexts()).toEqual(["Checking the weather.", "It is sunny."]);
    expect(result.messages).toHaveLength(2);
    // A persisted message's draft id is never used again.
    const firstSend = tg.calls.findIndex((c) => c.method === "sendMessage");
    const before = new Set(
      tg.calls
        .slice(0, firstSend)
        .filter((c) => c.method === "sendMessageDraft")
        .map((c) => c.payload.draft_id),
    );
    const after = tg.calls
      .slice(firstSend)
      .filter((c) => c.method === "sendMessageDraft")
      .map((c) => c.payload.draft_id);
    expect(after.some((id) => before.has(id))).toBe(false);
  });
});

describe("rate limits", () => {
  it("makes no call to the chat before retry_after expires", async () => {
    let penalized = false;
    tg.faultFor = (method) => {
      if (method === "editMessageText" && !penalized) {
        penalized = true;
        return {
          kind: "telegram",
          code: 429,
          description: "Too Many Requests: retry after 7",
          retryAfter: 7,
        };
      }
      return undefined;
    };
    const script = Array.from({ length: 100 }, (_, i) => [`x${i} `, { wait: 200 }]).flat();
    const result = await drive(hub.stream(GROUP), script);
    const failed = tg.calls.findIndex((c) => c.method === "editMessageText");
    const failedAt = (tg.calls[failed]?.at ?? 0) + tg.latencyMs;
    const next = tg.calls[failed + 1];
    expect(next).toBeDefined();
    expect((next?.at ?? 0) - failedAt).toBeGreaterThanOrEqual(7000);
    expect(result.stats.tooManyRequests).toBe(1);
    expect(tg.visibleTexts().join("")).toContain("x99");
  });

  it("never loses the final edit to a rate limit: it waits out the penalty and lands", async () => {
    let refused = 0;
    tg.faultFor = (method, payload) => {
      const final = method === "editMessageText" && !String(payload.text).endsWith("▉");
      if (final && refused < 2) {
        refused++;
        return {
          kind: "telegram",
          code: 429,
          description: "Too Many Requests: retry after 10",
          retryAfter: 10,
        };
      }
      return undefined;
    };
    const result = await drive(hub.stream(GROUP), ["Almost", { wait: 4000 }, " done."]);
    expect(refused).toBe(2);
    expect(tg.visibleTexts()).toEqual(["Almost done."]);
    expect(result.messages.map((m) => m.text)).toEqual(["Almost done."]);
    expect(result.stats.tooManyRequests).toBe(2);
  });

  it("shares one budget between streams to the same chat", async () => {
    const a = hub.stream(GROUP);
    const b = hub.stream(GROUP);
    const script = Array.from({ length: 100 }, (_, i) => i);
    for (const i of script) {
      a.delta(`a${i} `);
      b.delta(`b${i} `);
      await vi.advanceTimersByTimeAsync(300);
    }
    a.done();
    b.done();
    await settle(Promise.all([a.result, b.result]));
    const sends = tg.callsOf("sendMessage", "editMessageText").map((c) => c.at);
    expect(overflowedWindow(sends, GROUP_CHAT)).toBeUndefined();
  });

  it("rejects with the undelivered text when a penalty outlasts maxFinalWaitMs", async () => {
    tg.faultFor = (method) =>
      method === "sendMessage"
        ? {
            kind: "telegram",
            code: 429,
            description: "Too Many Requests: retry after 3600",
            retryAfter: 3600,
          }
        : undefined;
    const consumer = hub.stream(GROUP, { maxFinalWaitMs: 5000 });
    consumer.delta("Important answer");
    await vi.advanceTimersByTimeAsync(100);
    consumer.done();
    const error = await settle(consumer.result).catch((e) => e);
    expect(error).toBeInstanceOf(StreamDeliveryError);
    expect(error.reason).toBe("penalty_too_long");
    expect(error.undeliveredText).toBe("Important answer");
    expect(error.delivered).toEqual([]);
  });
});

describe("finishWithin", () => {
  const retryAfter = (seconds: number) => ({
    kind: "telegram" as const,
    code: 429,
    description: `Too Many Requests: retry after ${seconds}`,
    retryAfter: seconds,
  });

  it("gives up on a final held by a penalty at the time given, with the undelivered text", async () => {
    // 30 s: within the default maxFinalWaitMs, so without finishWithin the final would wait for it.
    tg.faultFor = (method) => (method === "editMessageText" ? retryAfter(30) : undefined);
    const consumer = hub.stream(GROUP);
    consumer.delta("Sent. ");
    await vi.advanceTimersByTimeAsync(1500);
    consumer.delta("Held by the penalty.");
    await vi.advanceTimersByTimeAsync(4000);
    expect(tg.callsOf("editMessageText").length).toBeGreaterThan(0);
    const start = Date.now();
    consumer.finishWithin(5000, new Error("shutting down"));
    const error = await settle(consumer.result).catch((e) => e);
    expect(Date.now() - start).toBeLessThanOrEqual(5000);
    expect(error).toBeInstanceOf(StreamDeliveryError);
    expect(error.reason).toBe("penalty_too_long");
    // The message shows a preview with the cursor, never persisted: all of its text is undelivered.
    expect(error.deliveredText).toBe("");
    expect(error.undeliveredText).toBe("Sent. Held by the penalty.");
  });

  it("abandons a request that hangs at the time given, instead of the call timeout", async () => {
    const never: BotApi = {
      call: (_method, _payload, signal) =>
        new Promise((_, reject) =>
          signal?.addEventListener("abort", () => reject(new Error("aborted"))),
        ),
    };
    const consumer = new StreamHub(never).stream(GROUP);
    consumer.delta("Nobody answers.");
    await vi.advanceTimersByTimeAsync(100);
    const start = Date.now();
    consumer.finishWithin(2000);
    const error = await settle(consumer.result).catch((e) => e);
    expect(Date.now() - start).toBeLessThanOrEqual(2000);
    expect(error).toBeInstanceOf(StreamDeliveryError);
    expect(error.undeliveredText).toBe("Nobody answers.");
    expect(error.message).toMatch(/final deadline/);
  });

  it("ends a running stream as abort does, and leaves a stream that lands in time alone", async () => {
    const consumer = hub.stream(GROUP);
    consumer.delta("All of it");
    await vi.advanceTimersByTimeAsync(100);
    consumer.finishWithin(10_000);
    const result = await settle(consumer.result);
    expect(result.aborted).toBe(true);
    expect(tg.visibleTexts()).toEqual(["All of it"]);
    expect(() => consumer.finishWithin(-1)).toThrow(RangeError);
    // On a stream that has settled it changes nothing and leaves no timer behind.
    const timers = vi.getTimerCount();
    consumer.finishWithin(1);
    expect(vi.getTimerCount()).toBe(timers);
  });
});

describe("failures", () => {
  it("stops at once on 403 with what was and was not delivered", async () => {
    tg.faultFor = (method) =>
      method === "editMessageText"
        ? { kind: "telegram", code: 403, description: "Forbidden: bot was blocked by the user" }
        : undefined;
    const consumer = hub.stream(GROUP);
    consumer.delta("Hello");
    await vi.advanceTimersByTimeAsync(100);
    consumer.delta(" there");
    consumer.done();
    const error = await settle(consumer.result).catch((e) => e);
    expect(error).toBeInstanceOf(StreamDeliveryError);
    expect(error.reason).toBe("forbidden");
    expect(error.undeliveredText).toBe("Hello there");
    expect(tg.callsOf("editMessageText")).toHaveLength(1);
  });

  it("persists what arrived and rethrows the source's own error", async () => {
    const boom = new Error("model crashed");
    async function* source() {
      yield "Partial ";
      yield "answer";
      throw boom;
    }
    const consumer = hub.stream(GROUP);
    const error = await settle(consumer.consume(source())).catch((e) => e);
    expect(error).toBe(boom);
    expect(tg.visibleTexts()).toEqual(["Partial answer"]);
    expect(partialResultOf(error)?.messages.map((m) => m.text)).toEqual(["Partial answer"]);
  });

  it("abort stops reading the source, persists what arrived without cursor, and says aborted", async () => {
    let pulled = 0;
    async function* source() {
      for (;;) {
        pulled++;
        yield `tok${pulled} `;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const consumer = hub.stream(GROUP);
    const running = consumer.consume(source());
    await vi.advanceTimersByTimeAsync(2000);
    consumer.abort();
    const result = await settle(running);
    const pulledAtAbort = pulled;
    await vi.advanceTimersByTimeAsync(2000);
    expect(pulled).toBe(pulledAtAbort);
    expect(result.aborted).toBe(true);
    expect(consumer.signal.aborted).toBe(true);
    expect(tg.visibleTexts()[0]).toMatch(/^tok1 tok2 .*tok\d+$/);
  });

  it("hides <think> blocks, even with tags split across chunks", async () => {
    const result = await drive(hub.stream(GROUP), [
      "<thi",
      "nk>secret plan</th",
      "ink>Visible",
      " answer",
    ]);
    expect(tg.visibleTexts()).toEqual(["Visible answer"]);
    expect(result.reasoning).toBe("secret plan");
  });
});

describe("input validation", () => {
  it("throws for bad options when the stream is created, before any request", () => {
    expect(() => hub.stream(GROUP, { transport: "pigeon" as never })).toThrow(TypeError);
    expect(() => hub.stream(GROUP, { cursor: "x".repeat(100) })).toThrow(RangeError);
    expect(() => hub.stream(GROUP, { maxFinalWaitMs: -1 })).toThrow(RangeError);
    expect(() => hub.stream(GROUP, { transport: "draft" })).toThrow(/private/);
    expect(
      () =>
        new StreamHub(tg, {
          limits: { privateChat: { windows: [{ limit: -1, windowMs: 1000 }], burst: 1 } },
        }),
    ).toThrow(RangeError);
    expect(tg.calls).toHaveLength(0);
  });

  it("rejects non-string deltas, ignores null, and refuses calls after done", async () => {
    const consumer = hub.stream(GROUP);
    expect(() => consumer.delta(42 as never)).toThrow(/takes a string, got number 42/);
    consumer.delta(null);
    consumer.delta(undefined);
    consumer.delta("ok");
    consumer.done();
    expect(() => consumer.delta("late")).toThrow(/after the stream ended/);
    await settle(consumer.result);
    expect(tg.visibleTexts()).toEqual(["ok"]);
  });

  it("keeps a surrogate pair whole when it arrives in two chunks", async () => {
    const text = "Emoji 😀 and flags 🇺🇦 and family 👨‍👩‍👧 done";
    await drive(
      hub.stream(GROUP),
      chunks(text, 1).flatMap((c) => [c, { wait: 150 }]),
    );
    for (const m of tg.messages) for (const v of m.versions) expect(v.isWellFormed()).toBe(true);
    expect(tg.visibleTexts()).toEqual([text]);
  });
});

describe("long replies", () => {
  it("splits a 12k reply into messages of at most 4096 units at paragraph boundaries", async () => {
    const paragraph = `${"Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(10).trim()}\n\n`;
    const text = paragraph.repeat(22).trim();
    const result = await drive(
      hub.stream(GROUP),
      chunks(text, 97).flatMap((c) => [c, { wait: 30 }]),
    );
    const texts = tg.visibleTexts();
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const t of texts) {
      expect(t.length).toBeLessThanOrEqual(4096);
      expect(t.endsWith(".")).toBe(true);
      expect(t).not.toContain("▉");
    }
    expect(texts.join("\n\n")).toBe(text);
    expect(result.messages).toHaveLength(texts.length);
  });

  it("links a reference in a later message to a definition that came before it", async () => {
    const small = new StreamHub(tg, { textLimit: 256 });
    const answer = [
      "[docs]: https://example.com/docs",
      ...Array.from(
        { length: 8 },
        (_, i) => `Paragraph ${i} of the answer, long enough to fill it.`,
      ),
      "See [the docs][docs] for more.",
    ].join("\n\n");
    await drive(small.stream(GROUP, { format: "markdown" }), chunks(answer, 40));
    const texts = tg.visibleTexts();
    expect(texts.length).toBeGreaterThanOrEqual(2);
    expect(texts.at(-1)).toContain("See the docs for more.");
    const last = tg.callsOf("sendMessage", "editMessageText").at(-1);
    expect(last?.payload.entities).toContainEqual(
      expect.objectContaining({ type: "text_link", url: "https://example.com/docs" }),
    );
  });

  it("closes and reopens a code fence cut by a split", async () => {
    const code = Array.from({ length: 400 }, (_, i) => `const value${i} = ${i};`).join("\n");
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nDone.`;
    await drive(hub.stream(GROUP), chunks(text, 500));
    const texts = tg.visibleTexts();
    expect(texts.length).toBeGreaterThan(1);
    expect(texts[0]?.endsWith("```")).toBe(true);
    expect(texts[1]?.startsWith("```ts\n")).toBe(true);
    for (const t of texts) expect((t.match(/```/g) ?? []).length % 2).toBe(0);
  });
});

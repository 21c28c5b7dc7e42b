/**
 * The core against the local Bot API emulator over real HTTP (grammY's Api as
 * the client): every failure a streamer meets, as Telegram answers it.
 */
import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamDeliveryError } from "../../shared/errors.js";
import { StreamHub, type StreamHubOptions } from "../../shared/hub.js";
import { partialResultOf } from "../../shared/result.js";
import { type Emulator, startEmulator } from "../emulator/index.js";

const TIME_SCALE = 0.04;
let emulator: Emulator;
let tokenSeq = 0;
let chatSeq = 1000;

beforeAll(async () => {
  emulator = await startEmulator({ timeScale: TIME_SCALE });
});
afterAll(() => emulator.close());

/** A hub for a fresh bot token (each bot has its own limits in the emulator). */
function newHub(options: StreamHubOptions = {}): StreamHub {
  tokenSeq++;
  const api = new Api(`${900_000 + tokenSeq}:core-emulator-test-token-${tokenSeq}xxxxxxxx`, {
    apiRoot: emulator.apiRoot,
  });
  const raw = api.raw as never as Record<string, (p: unknown, s?: AbortSignal) => Promise<unknown>>;
  return new StreamHub(
    {
      call: (method, payload, signal) => {
        const send = raw[method];
        if (!send) throw new TypeError(`no method ${method}`);
        return send(payload, signal);
      },
    },
    {
      timeScale: TIME_SCALE,
      ...options,
    },
  );
}

const privateChat = () => ++chatSeq;
const groupChat = () => -1_000_000 - ++chatSeq;

async function* words(text: string, delayMs = 5): AsyncGenerator<string> {
  for (const word of text.split(/(?<= )/)) {
    yield word;
    await new Promise((r) => setTimeout(r, delayMs));
  }
}

const ANSWER = "The quick brown fox jumps over the lazy dog. ".repeat(6).trim();

function seen(chatId: number): string[] {
  return emulator.visibleMessages(chatId).map((m) => m.versions.at(-1)?.text ?? "");
}

describe("core against the emulator", () => {
  it("drafts then exactly one message in a private chat, with no 429", async () => {
    const hub = newHub();
    const chat = privateChat();
    const before = emulator.stats().tooManyRequests;
    const result = await hub.streamMessage(chat, words(ANSWER));
    expect(seen(chat)).toEqual([ANSWER]);
    const timeline = emulator.timeline(chat);
    expect(timeline.drafts.length).toBeGreaterThan(0);
    expect(timeline.drafts.every((d) => d.vanishedAt !== undefined)).toBe(true);
    expect(timeline.messages).toHaveLength(1);
    expect(result.transport).toBe("draft");
    expect(emulator.stats().tooManyRequests).toBe(before);
  });

  it("edits in a group, the last version without cursor", async () => {
    const hub = newHub();
    const chat = groupChat();
    await hub.streamMessage(chat, words(ANSWER));
    const [message] = emulator.timeline(chat).messages;
    expect(message?.versions.at(-1)?.text).toBe(ANSWER);
    expect(message?.versions.slice(0, -1).every((v) => v.text.endsWith("▉"))).toBe(true);
  });

  it("switches from draft to edit on TEXTDRAFT_PEER_INVALID without losing text", async () => {
    const hub = newHub();
    const chat = privateChat();
    emulator.injectFault({
      method: "sendMessageDraft",
      chatId: chat,
      nth: 2,
      error: { code: 400, description: "Bad Request: TEXTDRAFT_PEER_INVALID" },
    });
    const result = await hub.streamMessage(chat, words(ANSWER, 10));
    expect(seen(chat)).toEqual([ANSWER]);
    expect(result.transport).toBe("edit");
  });

  it("honours an injected 429 and never calls the chat during the penalty", async () => {
    const hub = newHub();
    const chat = groupChat();
    emulator.injectFault({
      method: "editMessageText",
      chatId: chat,
      nth: 1,
      error: { code: 429, description: "Too Many Requests: retry after 5", retryAfter: 5 },
    });
    const result = await hub.streamMessage(chat, words(ANSWER, 20));
    expect(seen(chat)).toEqual([ANSWER]);
    expect(result.stats.tooManyRequests).toBe(1);
    const calls = emulator.calls.filter((c) => c.chatId === chat);
    const refused = calls.findIndex((c) => c.status === 429);
    const next = calls[refused + 1];
    const refusedAt = calls[refused]?.at ?? 0;
    expect((next?.at ?? 0) - refusedAt).toBeGreaterThanOrEqual(5000 * TIME_SCALE);
  });

  it("continues below with only the unseen part when the user deletes the message", async () => {
    const hub = newHub();
    const chat = groupChat();
    const consumer = hub.stream(chat);
    consumer.delta("Seen part. ");
    const first = await emulator.waitForCall(
      (c) => c.chatId === chat && c.method === "sendMessage" && c.ok,
    );
    const shown = emulator.timeline(chat).messages[0];
    expect(first.ok).toBe(true);
    expect(shown).toBeDefined();
    emulator.deleteMessageAsUser(chat, shown?.messageId ?? 0);
    consumer.delta("Unseen part.");
    consumer.done();
    const result = await consumer.result;
    expect(seen(chat)).toEqual(["Unseen part."]);
    expect(result.stats.messagesLost).toBe(1);
  });

  it("retries after a reset connection and a 502, and delivers once", async () => {
    const hub = newHub();
    const chat = groupChat();
    emulator.injectFault({ method: "sendMessage", chatId: chat, nth: 1, reset: true });
    emulator.injectFault({
      method: "editMessageText",
      chatId: chat,
      nth: 1,
      error: { code: 502, description: "Bad Gateway" },
    });
    const result = await hub.streamMessage(chat, words(ANSWER, 15));
    expect(seen(chat)).toEqual([ANSWER]);
    expect(result.stats.retries).toBeGreaterThanOrEqual(2);
  });

  it("gives up on a hanging request and repeats the edit, without duplicates", async () => {
    const hub = newHub({ callTimeoutMs: 300 });
    const chat = groupChat();
    const consumer = hub.stream(chat);
    consumer.delta("Hello");
    await emulator.waitForCall((c) => c.chatId === chat && c.method === "sendMessage" && c.ok);
    emulator.injectFault({ method: "editMessageText", chatId: chat, nth: 1, hang: true });
    consumer.delta(" world");
    await new Promise((r) => setTimeout(r, 100));
    consumer.delta(", again");
    consumer.done();
    await consumer.result;
    expect(seen(chat)).toEqual(["Hello world, again"]);
  });

  it("stops at once when the bot is blocked, with the undelivered text", async () => {
    const hub = newHub();
    const chat = groupChat();
    const consumer = hub.stream(chat);
    consumer.delta("Before block. ");
    await emulator.waitForCall((c) => c.chatId === chat && c.method === "sendMessage" && c.ok);
    emulator.blockBot(chat);
    consumer.delta("After block.");
    consumer.done();
    const error = await consumer.result.catch((e) => e);
    expect(error).toBeInstanceOf(StreamDeliveryError);
    expect(error.reason).toBe("forbidden");
    expect(error.undeliveredText).toContain("After block.");
    const afterBlock = emulator.calls.filter((c) => c.chatId === chat && c.status === 403);
    expect(afterBlock).toHaveLength(1);
  });

  it("rejects with thread_not_found for an unknown topic and stops reading the source", async () => {
    const hub = newHub();
    const chat = groupChat();
    emulator.addChat({ id: chat, type: "supergroup", isForum: true, topics: [5] });
    const error = await hub
      .streamMessage(chat, words("Hi there"), { threadId: 99 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(StreamDeliveryError);
    expect(error.reason).toBe("thread_not_found");
    // What had arrived when Telegram refused is handed back; the source is not read further.
    expect(error.undeliveredText.length).toBeGreaterThan(0);
    expect("Hi there".startsWith(error.undeliveredText)).toBe(true);
    expect(error.delivered).toEqual([]);
  });

  it("resends as plain text when Telegram rejects the entities, and says so", async () => {
    const hub = newHub();
    const chat = groupChat();
    emulator.injectFault({
      method: "sendMessage",
      chatId: chat,
      nth: 1,
      error: { code: 400, description: "Bad Request: can't parse entities: unsupported start tag" },
    });
    const result = await hub.streamMessage(chat, words("Some **bold** text"), {
      format: "markdown",
    });
    expect(seen(chat)).toEqual(["Some bold text"]);
    expect(result.stats.parseFallbacks).toBe(1);
  });

  it("persists what arrived when the source throws, and rethrows its error", async () => {
    const hub = newHub();
    const chat = privateChat();
    const failure = new Error("model went away");
    async function* failing() {
      yield "Partial ";
      await new Promise((r) => setTimeout(r, 20));
      yield "answer";
      throw failure;
    }
    const error = await hub.streamMessage(chat, failing()).catch((e) => e);
    expect(error).toBe(failure);
    expect(seen(chat)).toEqual(["Partial answer"]);
    expect(partialResultOf(error)?.messages).toHaveLength(1);
  });

  it("splits a 12k answer into messages Telegram accepts, no 429, nothing lost", async () => {
    const hub = newHub();
    const chat = privateChat();
    const text = Array.from(
      { length: 160 },
      (_, i) => `Sentence number ${i} has some words 😀 in it.${i % 7 === 6 ? "\n\n" : " "}`,
    )
      .join("")
      .trim();
    const before = emulator.stats().tooManyRequests;
    const result = await hub.streamMessage(chat, words(text, 1));
    const texts = seen(chat);
    expect(texts.length).toBeGreaterThanOrEqual(2);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(4096);
    expect(texts.join(" ").replace(/\s+/g, " ")).toBe(text.replace(/\s+/g, " "));
    expect(result.messages).toHaveLength(texts.length);
    expect(emulator.stats().tooManyRequests).toBe(before);
  });

  it("shows each row of a widening 600-row table once, whichever message it lands in", async () => {
    const hub = newHub();
    const chat = groupChat();
    // The wide row arrives after the first message is full, so earlier rows would re-pad.
    const rows = Array.from({ length: 600 }, (_, i) =>
      i === 550 ? `| ${i} | v${i} ${"wide cell ".repeat(8)}|` : `| ${i} | v${i} |`,
    );
    const table = ["| n | value |", "|---|---|", ...rows].join("\n");
    // About 1,000 characters per second (in emulator time).
    async function* paced() {
      for (let i = 0; i < table.length; i += 40) {
        yield table.slice(i, i + 40);
        await new Promise((r) => setTimeout(r, 40 * TIME_SCALE));
      }
    }
    await hub.streamMessage(chat, paced(), { format: "markdown" });
    const texts = seen(chat);
    expect(texts.length).toBeGreaterThanOrEqual(2);
    const values = texts.join("\n").match(/\bv\d+\b/g) ?? [];
    expect(values).toEqual(rows.map((_, i) => `v${i}`));
    // Every message is a table of whole rows: each line is a row, the header or the delimiter.
    for (const text of texts) {
      for (const line of text.split("\n")) expect(line).toMatch(/^(?:n|\d+|-+)\s*(?:\||-)/);
    }
  });

  it("loses no paragraph of an answer whose reference links are defined at the end", async () => {
    const hub = newHub();
    const chat = groupChat();
    const paragraphs = Array.from(
      { length: 150 },
      (_, i) => `Paragraph p${i} cites [1] and then [2], as models do.`,
    );
    const answer = `${paragraphs.join("\n\n")}\n\n[1]: https://example.com/one\n[2]: https://example.com/two`;
    await hub.streamMessage(chat, words(answer, 1), { format: "markdown" });
    const texts = seen(chat);
    expect(texts.length).toBeGreaterThanOrEqual(2);
    const cited = texts.join("\n").match(/\bp\d+\b/g) ?? [];
    expect(cited).toEqual(paragraphs.map((_, i) => `p${i}`));
  });

  it("starts a new message before the 101st entity, so no formatting is shown as plain text", async () => {
    const hub = newHub();
    const chat = groupChat();
    // 150 bold words in 3,300 characters: short enough for one message, too many entities for one.
    const words150 = Array.from({ length: 150 }, (_, i) => `w${i}`);
    const markdown = words150.map((w) => `Item **${w}** is here.`).join(" ");
    const result = await hub.streamMessage(chat, words(markdown, 1), { format: "markdown" });
    const messages = emulator.visibleMessages(chat).map((m) => m.versions.at(-1));
    expect(messages.length).toBeGreaterThanOrEqual(2);
    const bold: string[] = [];
    for (const message of messages) {
      expect(message?.entities.length).toBeLessThanOrEqual(100);
      for (const e of message?.entities ?? []) {
        if (e.type === "bold") bold.push(message?.text.slice(e.offset, e.offset + e.length) ?? "");
      }
    }
    expect(bold).toEqual(words150);
    expect(messages.map((m) => m?.text).join(" ")).toBe(markdown.replaceAll("**", ""));
    expect(result.messages).toHaveLength(messages.length);
  });

  it("streams Markdown as a rich message when asked, and persists it with one sendRichMessage", async () => {
    const hub = newHub();
    const chat = privateChat();
    const markdown = "# Title\n\nSome **bold** and `code`.\n\n```ts\nconst x = 1;\n```";
    const result = await hub.streamMessage(chat, words(markdown), { rich: true });
    const methods = new Set(emulator.calls.filter((c) => c.chatId === chat).map((c) => c.method));
    expect(methods).toEqual(new Set(["sendRichMessageDraft", "sendRichMessage"]));
    const [message] = emulator.timeline(chat).messages;
    expect(message?.versions.at(-1)?.rich).toEqual({ markdown });
    expect(result.stats.richFallbacks).toBe(0);
  });

  it("falls back to entities when the server does not know rich messages", async () => {
    const hub = newHub();
    const chat = privateChat();
    emulator.injectFault({
      method: "sendRichMessageDraft",
      chatId: chat,
      nth: 1,
      error: { code: 404, description: "Not Found" },
    });
    const result = await hub.streamMessage(chat, words("Some **bold** text."), {
      rich: true,
      format: "markdown",
    });
    expect(result.stats.richFallbacks).toBe(1);
    const [message] = emulator.timeline(chat).messages;
    expect(message?.versions.at(-1)).toMatchObject({
      text: "Some bold text.",
      entities: [{ type: "bold", offset: 5, length: 4 }],
    });
  });

  it("shows reasoning as a quote above the answer, collapsed once the answer starts", async () => {
    const hub = newHub();
    const chat = privateChat();
    async function* thinking() {
      yield { type: "reasoning" as const, text: "The user greets me. " };
      await new Promise((r) => setTimeout(r, 80));
      yield { type: "reasoning" as const, text: "I should greet back." };
      await new Promise((r) => setTimeout(r, 80));
      yield { type: "delta" as const, text: "Hello!" };
    }
    const result = await hub.streamMessage(chat, thinking(), { showReasoning: true });
    const drafts = emulator.timeline(chat).drafts.flatMap((d) => d.versions);
    expect(drafts.some((v) => v.entities.some((e) => e.type === "blockquote"))).toBe(true);
    const [message] = emulator.timeline(chat).messages;
    expect(message?.versions.at(-1)).toMatchObject({
      text: "The user greets me. I should greet back.\n\nHello!",
      entities: [{ type: "expandable_blockquote", offset: 0, length: 40 }],
    });
    expect(result.reasoning).toBe("The user greets me. I should greet back.");
    expect(result.text).toBe("Hello!");
  });
});

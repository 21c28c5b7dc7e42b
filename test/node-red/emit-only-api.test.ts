/**
 * The emit-only BotApi on its own: the sender payloads it emits, how it reads
 * the sender's acknowledgements, and what an unacknowledged operation becomes.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AcknowledgementTimeoutError,
  EmitOnlyApi,
  OPERATION_ID_PROPERTY,
  readAcknowledgement,
  SenderError,
  type SenderPayload,
  toSenderPayload,
} from "../../node-red-node/emit-only-api.js";
import type { NodeMessage } from "../../node-red-node/red.js";
import { classifyApiError } from "../../shared/errors.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** An api whose emitted messages are collected, and a way to answer them as the sender would. */
function setUp(ackTimeoutMs = 1000) {
  const emitted: NodeMessage[] = [];
  const unacknowledged: string[] = [];
  const api = new EmitOnlyApi({
    emit: (msg) => emitted.push(msg),
    ackTimeoutMs,
    operationPrefix: "node-1",
    onUnacknowledged: (method) => unacknowledged.push(method),
  });
  /** The sender's output for emitted message `index`: the msg with Telegram's result in payload.content. */
  const answer = (index: number, result: unknown) => {
    const msg = structuredClone(emitted[index]) as NodeMessage & {
      payload: SenderPayload & Record<string, unknown>;
    };
    msg.payload.content = result as string;
    if (typeof (result as { message_id?: number })?.message_id === "number") {
      msg.payload.sentMessageId = (result as { message_id: number }).message_id;
    }
    const ack = readAcknowledgement(msg);
    if (!ack) throw new Error("not an acknowledgement");
    return api.acknowledge(ack);
  };
  return { api, emitted, unacknowledged, answer };
}

const message = { message_id: 7, date: 0, chat: { id: -100, type: "supergroup" }, text: "Hi" };

describe("sender payloads", () => {
  it("maps sendMessage, editMessageText and sendChatAction to the sender's message, editMessageText and action", () => {
    const entities = [{ type: "bold", offset: 0, length: 2 }];
    expect(
      toSenderPayload("sendMessage", { chat_id: -100, text: "Hi", entities, message_thread_id: 3 }),
    ).toEqual({
      chatId: -100,
      type: "message",
      content: "Hi",
      options: { entities, message_thread_id: 3 },
    });
    expect(
      toSenderPayload("editMessageText", { chat_id: -100, message_id: 7, text: "Hi!" }),
    ).toEqual({
      chatId: -100,
      type: "editMessageText",
      content: "Hi!",
      options: { chat_id: -100, message_id: 7 },
    });
    expect(toSenderPayload("sendChatAction", { chat_id: 42, action: "typing" })).toEqual({
      chatId: 42,
      type: "action",
      content: "typing",
      options: {},
    });
  });

  it("keeps every Bot API parameter: the sender gets back exactly what the core asked for", () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.dictionary(fc.string(), fc.integer()),
    );
    const params = fc.dictionary(
      fc
        .string({ minLength: 1 })
        .filter((key) => !["chat_id", "text", "action", "__proto__"].includes(key)),
      value,
    );
    fc.assert(
      fc.property(
        fc.constantFrom("sendMessage", "editMessageText"),
        fc.integer(),
        fc.string(),
        params,
        (method, chatId, text, rest) => {
          const payload = { chat_id: chatId, text, ...rest };
          const sender = toSenderPayload(method, payload);
          // What node-telegram-bot-api sends: chat id, text and the options, merged.
          expect({ chat_id: sender.chatId, text: sender.content, ...sender.options }).toEqual(
            payload,
          );
        },
      ),
    );
  });

  it("refuses methods the sender cannot perform with a Telegram-shaped 404, so drafts fall back to edits", async () => {
    const { api, emitted } = setUp();
    const error = await api
      .call("sendMessageDraft", { chat_id: 42, draft_id: 1, text: "x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SenderError);
    expect(classifyApiError(error, "sendMessageDraft").kind).toBe("draft_unsupported");
    expect(emitted).toEqual([]);
  });
});

describe("acknowledgements", () => {
  it("resolve each operation with Telegram's result, matched by the operation id", async () => {
    const { api, emitted, answer } = setUp();
    const first = api.call("sendMessage", { chat_id: -100, text: "Hi" });
    const second = api.call("sendMessage", { chat_id: -100, text: "Ho" });
    expect(emitted.map((m) => m[OPERATION_ID_PROPERTY])).toEqual(["node-1:1", "node-1:2"]);
    expect(api.waiting).toBe(2);
    expect(answer(1, { ...message, message_id: 8 })).toBe(true);
    expect(answer(0, message)).toBe(true);
    await expect(first).resolves.toEqual(message);
    await expect(second).resolves.toMatchObject({ message_id: 8 });
    expect(api.waiting).toBe(0);
    // A second answer to the same operation finds nothing waiting.
    expect(answer(0, message)).toBe(false);
  });

  it("read the message id from payload.sentMessageId when payload.content is not the message", () => {
    const ack = readAcknowledgement({
      payload: { chatId: 5, content: "text", sentMessageId: 12 },
      [OPERATION_ID_PROPERTY]: "n:1",
    });
    expect(ack?.outcome).toMatchObject({ ok: true, result: { message_id: 12, chat: { id: 5 } } });
  });

  it("read the sender's error output as the Telegram error it quotes", async () => {
    const { api, emitted } = setUp();
    const pending = api.call("editMessageText", { chat_id: -100, message_id: 7, text: "x" });
    const failed = {
      ...emitted[0],
      error:
        "Caught exception in sender node:\r\nError: ETELEGRAM: 429 Too Many Requests: retry after 3\r\nwhen processing message: {...}",
    };
    const ack = readAcknowledgement(failed);
    if (!ack) throw new Error("not an acknowledgement");
    api.acknowledge(ack);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({
      error_code: 429,
      description: "Too Many Requests: retry after 3",
      parameters: { retry_after: 3 },
    });
    expect(classifyApiError(error, "editMessageText")).toMatchObject({
      kind: "rate_limit",
      retryAfterMs: 3000,
    });
  });

  it("read a sender error without a Telegram code as a failure of unknown outcome", () => {
    const ack = readAcknowledgement({
      [OPERATION_ID_PROPERTY]: "n:1",
      error: { message: "ECONNRESET: socket hang up" },
    });
    expect(ack?.outcome.ok).toBe(false);
    const error = ack?.outcome.ok === false ? ack.outcome.error : undefined;
    expect(classifyApiError(error, "sendMessage").kind).toBe("network");
  });

  it("are only messages that carry an operation id", () => {
    expect(readAcknowledgement({ payload: "a delta", chatId: 1 })).toBeUndefined();
  });
});

describe("unacknowledged operations", () => {
  it("sendMessage resolves without a message id, so the core sends the rest below instead of repeating it", async () => {
    const { api, unacknowledged } = setUp(1000);
    const sent = api.call("sendMessage", { chat_id: -100, text: "Hi" });
    await vi.advanceTimersByTimeAsync(999);
    expect(api.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(sent).resolves.toBe(true);
    expect(unacknowledged).toEqual(["sendMessage"]);
  });

  it("editMessageText rejects as a network failure, which the core retries (an edit replaces the whole text)", async () => {
    const { api } = setUp(1000);
    const edited = api
      .call("editMessageText", { chat_id: -100, message_id: 7, text: "Hi" })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    const error = await edited;
    expect(error).toBeInstanceOf(AcknowledgementTimeoutError);
    expect(classifyApiError(error, "editMessageText").kind).toBe("network");
  });

  it("a late acknowledgement finds nothing waiting", async () => {
    const { api, answer } = setUp(1000);
    const sent = api.call("sendMessage", { chat_id: -100, text: "Hi" });
    await vi.advanceTimersByTimeAsync(1000);
    await sent;
    expect(answer(0, message)).toBe(false);
  });

  it("after stopWaiting (the node closes), pending and later operations settle at once, and are still emitted", async () => {
    const { api, emitted } = setUp(60_000);
    const pendingEdit = api.call("editMessageText", { chat_id: -100, message_id: 7, text: "A" });
    api.stopWaiting();
    await expect(pendingEdit).resolves.toBe(true);
    await expect(
      api.call("editMessageText", { chat_id: -100, message_id: 7, text: "AB" }),
    ).resolves.toBe(true);
    expect(emitted.map((m) => (m.payload as SenderPayload).content)).toEqual(["A", "AB"]);
    expect(api.waiting).toBe(0);
  });
});

describe("construction", () => {
  it("names what is wrong", () => {
    expect(
      () => new EmitOnlyApi({ emit: undefined as never, ackTimeoutMs: 1, operationPrefix: "x" }),
    ).toThrow(TypeError);
    expect(
      () => new EmitOnlyApi({ emit: () => {}, ackTimeoutMs: 0, operationPrefix: "x" }),
    ).toThrow(/ackTimeoutMs must be a positive number of milliseconds, got 0/);
  });
});

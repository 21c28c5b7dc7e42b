/** Reading a Node-RED message into a stream command: the rules, without a runtime. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readStreamInput } from "../../node-red-node/input.js";

describe("readStreamInput", () => {
  it("reads a text delta for a chat, keyed by the chat", () => {
    expect(readStreamInput({ payload: "Hi", chatId: 42 })).toEqual({
      command: "delta",
      streamId: "chat:42",
      chatId: 42,
      payload: "Hi",
    });
  });

  it("takes the command from msg.event, else from msg.topic when it names one, else delta", () => {
    expect(readStreamInput({ event: "done", chatId: 1 }).command).toBe("done");
    expect(readStreamInput({ topic: "segment", chatId: 1 }).command).toBe("segment");
    expect(readStreamInput({ event: "abort", topic: "done", chatId: 1 }).command).toBe("abort");
    // Flows set msg.topic for their own reasons; a topic that is no command is not an error.
    expect(readStreamInput({ topic: "weather-bot", chatId: 1 }).command).toBe("delta");
  });

  it("finds the chat where node-red-contrib-telegrambot puts it", () => {
    expect(readStreamInput({ payload: { chatId: 7, type: "message" }, event: "done" }).chatId).toBe(
      7,
    );
    expect(
      readStreamInput({
        payload: "x",
        originalMessage: { chat: { id: -100123, type: "supergroup" } },
      }),
    ).toMatchObject({
      chatId: -100123,
      chatType: "supergroup",
      streamId: "chat:-100123",
    });
    // msg.chatId wins over the others.
    expect(
      readStreamInput({ payload: "x", chatId: 5, originalMessage: { chat: { id: 6 } } }).chatId,
    ).toBe(5);
  });

  it("turns numeric strings into chat ids and keeps channel usernames", () => {
    expect(readStreamInput({ payload: "x", chatId: "-100123" }).chatId).toBe(-100123);
    expect(readStreamInput({ payload: "x", chatId: "@streamgram_news" }).chatId).toBe(
      "@streamgram_news",
    );
  });

  it("keys streams by topic, and follows the receiver's topic message into its topic", () => {
    expect(readStreamInput({ payload: "x", chatId: -100, threadId: 3 }).streamId).toBe(
      "chat:-100:3",
    );
    const fromTopic = readStreamInput({
      payload: "x",
      originalMessage: { chat: { id: -100 }, message_thread_id: 9, is_topic_message: true },
    });
    expect(fromTopic).toMatchObject({ threadId: 9, streamId: "chat:-100:9" });
    // A reply thread in a group without topics is not a topic.
    expect(
      readStreamInput({
        payload: "x",
        originalMessage: { chat: { id: -100 }, message_thread_id: 9 },
      }).threadId,
    ).toBeUndefined();
  });

  it("keys streams by msg.streamId when set, which then needs no chat", () => {
    expect(readStreamInput({ event: "done", streamId: "answer-1" })).toMatchObject({
      streamId: "answer-1",
      command: "done",
    });
    expect(readStreamInput({ payload: "x", streamId: 17, chatId: 1 }).streamId).toBe("17");
  });

  it("reads msg.replyTo as a message id", () => {
    expect(readStreamInput({ payload: "x", chatId: 1, replyTo: 99 }).replyTo).toBe(99);
    expect(readStreamInput({ payload: "x", chatId: 1, replyTo: "99" }).replyTo).toBe(99);
  });

  it("throws a TypeError naming the field for each malformed message", () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ payload: "x" }, /no chat to stream to/],
      [
        { event: "stop", chatId: 1 },
        /msg\.event must be "delta", "segment", "done" or "abort", got "stop"/,
      ],
      [{ event: 3, chatId: 1 }, /msg\.event must be .* got number 3/],
      [{ payload: "x", chatId: 0 }, /msg\.chatId must be a whole, non-zero chat id, got 0/],
      [{ payload: "x", chatId: "12abc" }, /msg\.chatId must be a chat id/],
      [{ payload: "x", chatId: true }, /msg\.chatId must be a chat id .*got boolean true/],
      [
        { payload: "x", originalMessage: { chat: { id: "nope" } } },
        /msg\.originalMessage\.chat\.id must be a chat id/,
      ],
      [
        { payload: "x", chatId: 1, threadId: 0 },
        /msg\.threadId must be a positive whole number, got number 0/,
      ],
      [{ payload: "x", chatId: 1, replyTo: 1.5 }, /msg\.replyTo must be a positive whole number/],
      [
        { payload: "x", chatId: 1, streamId: "" },
        /msg\.streamId must be a non-empty string or a number, got ""/,
      ],
      [{ payload: "x", chatId: 1, streamId: [1] }, /msg\.streamId must be .* got an array/],
    ];
    for (const [msg, message] of cases) {
      expect(() => readStreamInput(msg), JSON.stringify(msg)).toThrow(TypeError);
      expect(() => readStreamInput(msg), JSON.stringify(msg)).toThrow(message);
    }
  });

  it("gives every message of one chat and topic the same stream, and different chats or topics different ones", () => {
    const chat = fc.integer({ min: -1e12, max: 1e12 }).filter((id) => id !== 0);
    const topic = fc.option(fc.integer({ min: 1, max: 1e6 }), { nil: undefined });
    fc.assert(
      fc.property(chat, topic, chat, topic, (chatA, topicA, chatB, topicB) => {
        const a = readStreamInput({ payload: "x", chatId: chatA, threadId: topicA }).streamId;
        const again = readStreamInput({
          event: "done",
          chatId: String(chatA),
          threadId: topicA,
        }).streamId;
        const b = readStreamInput({ payload: "x", chatId: chatB, threadId: topicB }).streamId;
        expect(again).toBe(a);
        expect(a === b).toBe(chatA === chatB && topicA === topicB);
      }),
    );
  });
});

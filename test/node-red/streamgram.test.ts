/**
 * The streamgram node on the real Node-RED runtime, calling the Bot API of the
 * local Telegram emulator: what a user of the chat sees, what the flow
 * receives on each output, and what Catch and Complete nodes get.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { isStepCount, jsonSchema, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import type { StreamResult } from "../../shared/result.js";
import { type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import {
  type Harness,
  harnessFlow,
  helper,
  loadHarness,
  type Msg,
  sleep,
  TOKEN,
  unloadHarness,
  visibleTexts,
  waitFor,
} from "./harness.js";

let openaiServer: OpenAIServer | undefined;

afterEach(async () => {
  await unloadHarness();
  await openaiServer?.close();
  openaiServer = undefined;
});

const CURSOR = "▉";
const PRIVATE = 42;

function resultOf(msg: Msg | undefined): StreamResult {
  if (!msg) throw new Error("no result message");
  return msg.payload as StreamResult;
}

/** Every text a chat's messages and drafts ever showed. */
function everyVersion(h: Harness, chatId: number): string[] {
  const timeline = h.emulator.timeline(chatId);
  return [...timeline.messages, ...timeline.drafts].flatMap((m) => m.versions.map((v) => v.text));
}

/** Wait until the chat shows `text` (a draft or message version) with the cursor, i.e. mid-stream. */
function showsLive(h: Harness, chatId: number, text: string): Promise<true> {
  return waitFor(() => everyVersion(h, chatId).some((v) => v.includes(text) && v.endsWith(CURSOR)));
}

describe("streaming through the Bot API", () => {
  it("shows the reply live and persists it once, without cursor", async () => {
    const h = await loadHarness();
    h.send({ payload: "Hello", chatId: PRIVATE });
    await showsLive(h, PRIVATE, "Hello");
    h.send({ payload: ", world", chatId: PRIVATE });
    h.send({ payload: "!", chatId: PRIVATE });
    h.send({ event: "done", chatId: PRIVATE, marker: "the done msg" });

    const message = await waitFor(() => h.results[0]);
    const result = resultOf(message);
    expect(result.text).toBe("Hello, world!");
    expect(result.aborted).toBe(false);
    expect(result.messages).toHaveLength(1);
    expect(message).toMatchObject({
      streamId: `chat:${PRIVATE}`,
      event: "result",
      marker: "the done msg",
    });
    expect(visibleTexts(h.emulator, PRIVATE)).toEqual(["Hello, world!"]);
    expect(h.emulator.stats().tooManyRequests).toBe(0);

    // Output 1 told the flow every step: a live draft first, the persisted message last.
    const actions = h.updates.map((u) => (u.payload as { action: string }).action);
    expect(actions[0]).toBe("draft");
    expect(actions.at(-1)).toBe("final");
    expect(h.updates.at(-1)?.payload).toMatchObject({
      chatId: PRIVATE,
      messageId: result.messages[0]?.message_id,
      text: "Hello, world!",
    });
    expect(h.updates.every((u) => u.streamId === `chat:${PRIVATE}`)).toBe(true);

    // The done msg completes (for Complete nodes) only once its reply is persisted.
    await waitFor(() => h.completed.some((m) => m.marker === "the done msg"));
    const order = h.arrivals.map(({ at, msg }) =>
      at === "completed" && msg.marker ? "done completed" : at,
    );
    expect(order.indexOf("done completed")).toBeGreaterThan(order.indexOf("results"));
    expect(h.caught).toEqual([]);
  });

  it("shows the running streams and the last action in its status, then how the stream ended", async () => {
    const h = await loadHarness();
    h.send({ payload: "Status check", chatId: PRIVATE });
    await showsLive(h, PRIVATE, "Status check");
    // The status is paced (at most one per 250 ms): a stream running that long shows in it.
    await waitFor(() => h.statuses().at(-1)?.text === "1 streaming · draft", 1000);
    expect(h.statuses().at(-1)).toEqual({
      fill: "blue",
      shape: "dot",
      text: "1 streaming · draft",
    });
    h.send({ event: "done", chatId: PRIVATE });
    await waitFor(() => h.results[0]);
    await waitFor(() => h.statuses().at(-1)?.text === "done · 1 message", 1000);
    expect(h.statuses().at(-1)).toEqual({ fill: "green", shape: "dot", text: "done · 1 message" });
  });

  it("renders the model's Markdown as Telegram entities", async () => {
    const h = await loadHarness();
    for (const piece of ["**Bold", "** and `co", "de`"])
      h.send({ payload: piece, chatId: PRIVATE });
    h.send({ event: "done", chatId: PRIVATE });
    await waitFor(() => h.results[0]);
    const [message] = h.emulator.visibleMessages(PRIVATE);
    const final = message?.versions.at(-1);
    expect(final?.text).toBe("Bold and code");
    expect(final?.entities).toEqual([
      { type: "bold", offset: 0, length: 4 },
      { type: "code", offset: 9, length: 4 },
    ]);
  });

  it("finishes the message at a segment and continues in a new one below", async () => {
    const h = await loadHarness();
    const group = -100500;
    h.send({ payload: "Looking it up.", chatId: group });
    h.send({ event: "segment", chatId: group });
    h.send({ topic: "delta", payload: "Found it: 42.", chatId: group });
    h.send({ topic: "done", chatId: group });
    const result = resultOf(await waitFor(() => h.results[0]));
    expect(visibleTexts(h.emulator, group)).toEqual(["Looking it up.", "Found it: 42."]);
    expect(result.messages.map((m) => m.text)).toEqual(["Looking it up.", "Found it: 42."]);
    expect(result.transport).toBe("edit");
  });

  it("runs streams to several chats, and several streams in one chat, at once", async () => {
    const h = await loadHarness();
    const group = -100600;
    const streams = [
      { key: { chatId: 42 }, words: ["Private ", "answer ", "one."] },
      { key: { chatId: 43 }, words: ["Private ", "answer ", "two."] },
      { key: { chatId: group, streamId: "alpha" }, words: ["Group ", "answer ", "alpha."] },
      { key: { chatId: group, streamId: "beta" }, words: ["Group ", "answer ", "beta."] },
    ];
    for (let i = 0; i < 3; i++) {
      for (const stream of streams) h.send({ payload: stream.words[i], ...stream.key });
      await sleep(15);
    }
    for (const stream of streams) h.send({ event: "done", ...stream.key });
    await waitFor(() => h.results.length === 4);

    const byStream = new Map(h.results.map((m) => [m.streamId, resultOf(m).text]));
    expect(byStream).toEqual(
      new Map([
        ["chat:42", "Private answer one."],
        ["chat:43", "Private answer two."],
        ["alpha", "Group answer alpha."],
        ["beta", "Group answer beta."],
      ]),
    );
    expect(visibleTexts(h.emulator, 42)).toEqual(["Private answer one."]);
    expect(visibleTexts(h.emulator, 43)).toEqual(["Private answer two."]);
    expect(visibleTexts(h.emulator, group).sort()).toEqual([
      "Group answer alpha.",
      "Group answer beta.",
    ]);
    expect(h.emulator.stats().tooManyRequests).toBe(0);
  });

  it("finishes a stream that receives nothing for the idle timeout, as if done had arrived", async () => {
    const h = await loadHarness({ node: { idleTimeout: 0.3 } });
    const group = -100700;
    const startedAt = Date.now();
    h.send({ payload: "An answer whose done never comes", chatId: group });
    await showsLive(h, group, "An answer whose done never comes");
    expect(h.results).toEqual([]);

    const result = resultOf(await waitFor(() => h.results[0], 3_000));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(result.aborted).toBe(false);
    expect(visibleTexts(h.emulator, group)).toEqual(["An answer whose done never comes"]);
  });

  it("restarts the idle timeout with every message of the stream", async () => {
    const h = await loadHarness({ node: { idleTimeout: 0.2 } });
    for (const word of ["One ", "two ", "three ", "four."]) {
      h.send({ payload: word, chatId: PRIVATE });
      await sleep(120);
    }
    expect(h.results).toEqual([]);
    expect(resultOf(await waitFor(() => h.results[0], 3_000)).text).toBe("One two three four.");
  });

  it("replies in the topic and to the message of the Telegram receiver's originalMessage", async () => {
    const h = await loadHarness();
    const forum = -100800;
    h.emulator.addChat({ id: forum, type: "supergroup", isForum: true, topics: [7] });
    const update = h.emulator.sendUserMessage(forum, "What is 6 × 7?", { threadId: 7 });
    const originalMessage = update.message;
    if (!originalMessage) throw new Error("the emulator made no message");

    // An LLM node replaces msg.payload and keeps msg.originalMessage, as the receiver set it.
    h.send({ payload: "It is 42.", originalMessage, replyTo: originalMessage.message_id });
    h.send({ event: "done", originalMessage });
    const message = await waitFor(() => h.results[0]);
    expect(message.streamId).toBe(`chat:${forum}:7`);
    const [reply] = h.emulator.visibleMessages(forum, 7);
    expect(reply).toMatchObject({ threadId: 7, replyToMessageId: originalMessage.message_id });
    expect(reply?.versions.at(-1)?.text).toBe("It is 42.");
  });

  it("reads the chat of a done msg from msg.payload.chatId, as the receiver shapes its payload", async () => {
    const h = await loadHarness();
    h.send({ payload: "Short answer.", chatId: PRIVATE });
    h.send({
      event: "done",
      payload: { chatId: PRIVATE, type: "message", content: "the user's question" },
    });
    expect(resultOf(await waitFor(() => h.results[0])).text).toBe("Short answer.");
  });

  it("persists what arrived when an abort message comes, and reports the stream as aborted", async () => {
    const h = await loadHarness();
    h.send({ payload: "The beginning of a long", chatId: PRIVATE });
    h.send({ event: "abort", chatId: PRIVATE });
    const result = resultOf(await waitFor(() => h.results[0]));
    expect(result.aborted).toBe(true);
    expect(visibleTexts(h.emulator, PRIVATE)).toEqual(["The beginning of a long"]);
  });
});

describe("the stop button", () => {
  it("stops the stream whose draft the user stopped, keeps what arrived and ignores the rest", async () => {
    const h = await loadHarness({ bot: { canStop: true } });
    h.send({ payload: "A reply the user ", chatId: PRIVATE });
    h.send({ payload: "does not want", chatId: PRIVATE });
    const draft = await h.emulator.waitForCall(
      (c) => c.method === "sendMessageDraft" && String(c.params.text).includes("want"),
    );
    expect(draft.params.can_stop).toBe(true);
    const stop = h.emulator.pressStop(PRIVATE, draft.params.draft_id as number);
    h.send({ payload: stop });
    const result = resultOf(await waitFor(() => h.results[0]));
    expect(result.aborted).toBe(true);
    // The model keeps talking until the flow stops it: nothing more is shown, and done completes.
    h.send({ payload: " any longer", chatId: PRIVATE });
    h.send({ event: "done", chatId: PRIVATE });
    await waitFor(() => h.completed.some((m) => m.event === "done"));
    expect(visibleTexts(h.emulator, PRIVATE)).toEqual(["A reply the user does not want"]);
    expect(h.results).toHaveLength(1);
    expect(h.caught).toEqual([]);
  });

  it("ignores a stop for a draft it does not know, and leaves its streams running", async () => {
    const h = await loadHarness({ bot: { canStop: true } });
    h.send({ payload: "Still going", chatId: PRIVATE });
    await showsLive(h, PRIVATE, "Still going");
    h.send({ payload: h.emulator.pressStop(PRIVATE, 999_999) });
    h.send({ event: "done", chatId: PRIVATE });
    const result = resultOf(await waitFor(() => h.results[0]));
    expect(result.aborted).toBe(false);
    expect(visibleTexts(h.emulator, PRIVATE)).toEqual(["Still going"]);
    expect(h.caught).toEqual([]);
  });
});

describe("closing the node", () => {
  it("on shutdown, persists every stream in mid-flight without cursor before reporting closed", async () => {
    const h = await loadHarness();
    const group = -100900;
    h.send({ payload: "A draft in a private chat", chatId: PRIVATE });
    h.send({ payload: "An edited message in a group", chatId: group });
    await showsLive(h, PRIVATE, "A draft in a private chat");
    await showsLive(h, group, "An edited message in a group");

    await helper.unload();
    // Nothing more happens after close: what the user sees now is final.
    expect(visibleTexts(h.emulator, PRIVATE)).toEqual(["A draft in a private chat"]);
    expect(visibleTexts(h.emulator, group)).toEqual(["An edited message in a group"]);
  });

  it("closes in time when a final is held by a long penalty, and reports the text it could not deliver", async () => {
    const h = await loadHarness();
    const group = -100902;
    h.send({ payload: "Shown. ", chatId: group });
    await showsLive(h, group, "Shown.");
    // 1500 s at the test's time scale: a 30 s penalty, past Node-RED's 15 s close timeout.
    h.emulator.injectFault({
      method: "editMessageText",
      chatId: group,
      error: { code: 429, description: "Too Many Requests: retry after 1500", retryAfter: 1500 },
    });
    h.send({ payload: "Held back.", chatId: group });
    await h.emulator.waitForCall((c) => c.method === "editMessageText" && c.status === 429);

    // The test helper's spies go with the flow: record what the node reports while it closes.
    const reported: Array<{ error: unknown; msg: Msg }> = [];
    const error = h.node.error.bind(h.node);
    h.node.error = (e, msg = {}) => {
      reported.push({ error: e, msg });
      error(e, msg);
    };
    const start = Date.now();
    await helper.unload();
    expect(Date.now() - start).toBeLessThan(5000);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.msg.undelivered).toEqual({
      reason: "penalty_too_long",
      text: "Shown. Held back.",
      deliveredText: "",
    });
    expect(visibleTexts(h.emulator, group)).toEqual(["Shown. ▉"]);
  });

  it("on redeploy, finishes the old node's streams and streams through the new one", async () => {
    const h = await loadHarness();
    const group = -100901;
    h.send({ payload: "Written before the deploy", chatId: group });
    await showsLive(h, group, "Written before the deploy");

    const changed = harnessFlow(h.emulator.apiRoot, { node: { name: "renamed", idleTimeout: 60 } });
    await helper.setFlows(changed, "full", { bot: { token: TOKEN } });
    expect(visibleTexts(h.emulator, group)).toEqual(["Written before the deploy"]);

    const next = helper.getNode("sg");
    const results: Msg[] = [];
    helper.getNode("results").on("input", (msg: Msg) => results.push(msg));
    next.receive({ payload: "Written after the deploy", chatId: group });
    next.receive({ event: "done", chatId: group });
    expect(resultOf(await waitFor(() => results[0])).text).toBe("Written after the deploy");
    expect(visibleTexts(h.emulator, group)).toEqual([
      "Written before the deploy",
      "Written after the deploy",
    ]);
  });
});

describe("model stream chunks as payloads", () => {
  it("reads openai Chat Completions chunks, tool boundaries and reasoning included", async () => {
    openaiServer = await startOpenAIServer(({ index }) =>
      index === 0
        ? [
            { reasoning: "The user wants the weather." },
            { text: "Let me check." },
            {
              toolCall: { name: "weather", arguments: '{"city":"Oslo"}' },
            },
          ]
        : [{ text: "It is " }, { text: "sunny in Oslo." }],
    );
    const client = new OpenAI({ apiKey: "test", baseURL: openaiServer.baseURL, maxRetries: 0 });
    const h = await loadHarness();
    const messages = [{ role: "user" as const, content: "Weather in Oslo?" }];
    // Two requests of a tool loop, as a function node would make them; no explicit done:
    // the first ends with finish_reason "tool_calls" (a boundary), the second with "stop".
    for (let request = 0; request < 2; request++) {
      const stream = await client.chat.completions.create({ model: "m", messages, stream: true });
      for await (const chunk of stream) h.send({ payload: chunk, chatId: PRIVATE });
    }
    const result = resultOf(await waitFor(() => h.results[0]));
    expect(visibleTexts(h.emulator, PRIVATE)).toEqual(["Let me check.", "It is sunny in Oslo."]);
    expect(result.text).toBe("Let me check.It is sunny in Oslo.");
    expect(result.reasoning).toBe("The user wants the weather.");
    expect(h.caught).toEqual([]);
  });

  it("reads AI SDK stream parts of a streamText tool loop", async () => {
    openaiServer = await startOpenAIServer(({ index }) =>
      index === 0
        ? [
            { text: "Let me look." },
            { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
          ]
        : [{ text: "It is " }, { text: "sunny in Oslo." }],
    );
    const provider = createOpenAI({ baseURL: openaiServer.baseURL, apiKey: "test" });
    const weather = tool({
      description: "Current weather for a city",
      inputSchema: jsonSchema<{ city: string }>({
        type: "object",
        properties: { city: { type: "string" } },
        required: ["city"],
      }),
      execute: async ({ city }) => `Sunny in ${city}`,
    });
    const h = await loadHarness();
    const run = streamText({
      model: provider.chat("gpt-test"),
      prompt: "Weather in Oslo?",
      tools: { weather },
      stopWhen: isStepCount(3),
    });
    for await (const part of run.fullStream) h.send({ payload: part, chatId: 43 });
    const result = resultOf(await waitFor(() => h.results[0]));
    expect(visibleTexts(h.emulator, 43)).toEqual(["Let me look.", "It is sunny in Oslo."]);
    expect(result.text).toBe("Let me look.It is sunny in Oslo.");
  });

  it("persists what arrived when an AI SDK error part reports the model failed, and hands the error to Catch", async () => {
    const h = await loadHarness();
    h.send({ payload: { type: "text-delta", id: "t1", text: "Half an ans" }, chatId: PRIVATE });
    h.send({
      payload: { type: "error", error: new Error("model overloaded") },
      chatId: PRIVATE,
      marker: "failing part",
    });
    const caught = await waitFor(() => h.caught[0]);
    expect(caught.marker).toBe("failing part");
    expect((caught.error as { message: string }).message).toContain("model overloaded");
    expect(visibleTexts(h.emulator, PRIVATE)).toEqual(["Half an ans"]);
    expect(h.results).toEqual([]);
  });
});

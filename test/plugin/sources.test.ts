/**
 * ctx.streamReply takes whatever an LLM SDK hands back: the real `openai`
 * client and the AI SDK streaming from the local OpenAI-compatible server,
 * Web and Node streams, generators and explicit events. What the user sees
 * in the emulator is checked against what the model said.
 */
import { Readable } from "node:stream";
import { createOpenAI } from "@ai-sdk/openai";
import { isStepCount, jsonSchema, streamText, tool } from "ai";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  partialResultOf,
  type StreamEvent,
  type StreamResult,
  type StreamSourceInput,
} from "../../grammy-plugin/index.js";
import type { OpenAIScript } from "../support/openai-server.js";
import { createStreamBot, sentMessages, useServers } from "./harness.js";

const CHAT = 3131;

const servers = useServers();

/**
 * Reply to one user message with `makeSource()` and return the outcome and
 * the final text of every message the user now sees.
 */
async function replyWith(
  makeSource: () => StreamSourceInput,
): Promise<{ result?: StreamResult; error?: unknown; messages: string[] }> {
  const bot = createStreamBot(servers.emulator, { plugin: { format: "plain" } });
  const outcome: { result?: StreamResult; error?: unknown } = {};
  bot.on("message:text", async (ctx) => {
    try {
      outcome.result = await ctx.streamReply(makeSource());
    } catch (error) {
      outcome.error = error;
    }
  });
  await bot.handleUpdate(servers.emulator.sendUserMessage(CHAT, "question"));
  const messages = servers.emulator.visibleMessages(CHAT).map((m) => m.versions.at(-1)?.text ?? "");
  expect(sentMessages(servers.emulator, CHAT)).toHaveLength(messages.length);
  expect(servers.emulator.stats().tooManyRequests).toBe(0);
  return { ...outcome, messages };
}

async function openaiClient(script: OpenAIScript): Promise<OpenAI> {
  const server = await servers.startOpenAI(script);
  return new OpenAI({ apiKey: "test", baseURL: server.baseURL, maxRetries: 0 });
}

async function aiSdkProvider(script: OpenAIScript) {
  const server = await servers.startOpenAI(script);
  return createOpenAI({ apiKey: "test", baseURL: server.baseURL });
}

const question = [{ role: "user" as const, content: "Weather in Oslo?" }];

describe("the openai SDK", () => {
  it("Chat Completions with a tool call: the text before and after the call in two messages", async () => {
    const client = await openaiClient(({ index }) =>
      index === 0
        ? [
            { text: "Let me " },
            { delay: 10 },
            { text: "check." },
            { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
          ]
        : [{ text: "It is " }, { delay: 10 }, { text: "sunny in Oslo." }],
    );
    async function* toolLoop(signal: AbortSignal) {
      yield* await client.chat.completions.create(
        { model: "m", messages: question, stream: true },
        { signal },
      );
      yield* await client.chat.completions.create(
        { model: "m", messages: question, stream: true },
        { signal },
      );
    }

    const { result, error, messages } = await replyWith(() => (signal) => toolLoop(signal));

    expect(error).toBeUndefined();
    expect(messages).toEqual(["Let me check.", "It is sunny in Oslo."]);
    expect(result?.text).toBe("Let me check.It is sunny in Oslo.");
  });

  it("Chat Completions failing mid-stream: the text so far is kept and the SDK's error is thrown", async () => {
    const client = await openaiClient([
      { text: "The first half " },
      { delay: 20 },
      { text: "made it." },
      { error: "model overloaded" },
    ]);

    const { result, error, messages } = await replyWith(
      () => (signal) =>
        client.chat.completions.create(
          { model: "m", messages: question, stream: true },
          { signal },
        ),
    );

    expect(result).toBeUndefined();
    expect(String((error as Error).message)).toMatch(/model overloaded/);
    expect(messages).toEqual(["The first half made it."]);
    const partial = partialResultOf(error);
    expect(partial?.messages.map((m) => m.text)).toEqual(["The first half made it."]);
  });

  it("the Responses API", async () => {
    const client = await openaiClient([
      { text: "Answer " },
      { delay: 10 },
      { text: "from Responses." },
    ]);

    const { result, messages } = await replyWith(
      () => (signal) =>
        client.responses.create({ model: "m", input: "Hi", stream: true }, { signal }),
    );

    expect(messages).toEqual(["Answer from Responses."]);
    expect(result?.aborted).toBe(false);
  });
});

describe("the AI SDK", () => {
  const weather = tool({
    description: "Current weather for a city",
    inputSchema: jsonSchema<{ city: string }>({
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
    }),
    execute: async ({ city }) => `Sunny in ${city}`,
  });

  it("a streamText result with a tool step, handed over as it is", async () => {
    const provider = await aiSdkProvider(({ index }) =>
      index === 0
        ? [
            { text: "Looking it up." },
            { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
          ]
        : [{ text: "It is " }, { delay: 10 }, { text: "sunny in Oslo." }],
    );

    const { messages } = await replyWith(
      () => (signal) =>
        streamText({
          model: provider.chat("m"),
          prompt: "Weather in Oslo?",
          tools: { weather },
          stopWhen: isStepCount(3),
          abortSignal: signal,
        }),
    );

    expect(messages).toEqual(["Looking it up.", "It is sunny in Oslo."]);
    expect(servers.openai?.requests).toHaveLength(2);
  });

  it("streamText over the Responses API, and its textStream alone", async () => {
    const provider = await aiSdkProvider([{ text: "Via " }, { delay: 5 }, { text: "responses." }]);

    const first = await replyWith(() =>
      streamText({ model: provider.responses("m"), prompt: "Hi" }),
    );
    expect(first.messages).toEqual(["Via responses."]);

    const second = await replyWith(
      () => streamText({ model: provider.chat("m"), prompt: "Hi" }).textStream,
    );
    expect(second.messages).toEqual(["Via responses.", "Via responses."]);
  });
});

describe("streams and iterables", () => {
  const text = "Grüße aus Köln 👋🏽, 東京 and ∑ done.";

  it("a ReadableStream of UTF-8 bytes cut through multi-byte characters", async () => {
    const bytes = new TextEncoder().encode(text);
    const { messages } = await replyWith(
      () =>
        new ReadableStream<Uint8Array>({
          async start(controller) {
            // Every 3 bytes: cuts through umlauts, the emoji and the CJK characters.
            for (let i = 0; i < bytes.length; i += 3) {
              controller.enqueue(bytes.slice(i, i + 3));
              await new Promise((resolve) => setTimeout(resolve, 1));
            }
            controller.close();
          },
        }),
    );
    expect(messages).toEqual([text]);
  });

  it("a Node.js Readable of bytes", async () => {
    const bytes = Buffer.from(text, "utf8");
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 20), bytes.subarray(20)];
    const { messages } = await replyWith(() => Readable.from(chunks));
    expect(messages).toEqual([text]);
  });

  it("an async generator of strings, and a plain array", async () => {
    async function* generate() {
      for (const part of ["One, ", "two, ", "three."]) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield part;
      }
    }
    expect((await replyWith(() => generate())).messages).toEqual(["One, two, three."]);
    expect((await replyWith(() => ["Four, ", "five."])).messages).toEqual([
      "One, two, three.",
      "Four, five.",
    ]);
  });

  it("explicit streamgram events, with a segment between two messages and hidden reasoning", async () => {
    const events: StreamEvent[] = [
      { type: "reasoning", text: "The user wants two parts." },
      { type: "delta", text: "Part one." },
      { type: "segment" },
      { type: "delta", text: "Part two." },
      { type: "done" },
    ];
    const { result, messages } = await replyWith(() => events);
    expect(messages).toEqual(["Part one.", "Part two."]);
    expect(result?.reasoning).toBe("The user wants two parts.");
  });

  it("rejects a source of no known shape with a TypeError naming the accepted shapes", async () => {
    const { error, messages } = await replyWith(
      () => ({ notAStream: true }) as unknown as StreamSourceInput,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/ReadableStream/);
    expect(messages).toEqual([]);
  });
});

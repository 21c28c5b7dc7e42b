/**
 * toStreamEvents over the real AI SDK (`streamText` with `@ai-sdk/openai`),
 * streaming from the local OpenAI-compatible server.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { isStepCount, jsonSchema, streamText, tool } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { toStreamEvents } from "../../shared/sources/index.js";
import {
  type OpenAIScript,
  type OpenAIServer,
  startOpenAIServer,
} from "../support/openai-server.js";
import { collect, runs } from "./collect.js";

let server: OpenAIServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function providerFor(script: OpenAIScript) {
  server = await startOpenAIServer(script);
  return createOpenAI({ baseURL: server.baseURL, apiKey: "test" });
}

const weather = tool({
  description: "Current weather for a city",
  inputSchema: jsonSchema<{ city: string }>({
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
  }),
  execute: async ({ city }) => `Sunny in ${city}`,
});

/** A tool loop: the first request calls `weather`, the second answers. */
const toolLoopScript: OpenAIScript = ({ index }) =>
  index === 0
    ? [{ text: "Let me look." }, { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } }]
    : [{ text: "It is " }, { text: "sunny in Oslo." }];

describe("AI SDK streamText", () => {
  it("reads a streamText result through its fullStream, with one segment per tool boundary", async () => {
    const provider = await providerFor(toolLoopScript);
    const result = streamText({
      model: provider.chat("gpt-test"),
      prompt: "Weather in Oslo?",
      tools: { weather },
      stopWhen: isStepCount(3),
    });
    const { events, error } = await collect(toStreamEvents(result, new AbortController().signal));
    expect(error).toBeUndefined();
    // Step starts and ends are boundaries too; the core ignores the empty ones at the edges.
    expect(runs(events)).toEqual([
      "segment",
      "delta: Let me look.",
      "segment",
      "delta: It is sunny in Oslo.",
      "segment",
      "done",
    ]);
    expect(server?.requests).toHaveLength(2);
  });

  it("reads the fullStream on its own", async () => {
    const provider = await providerFor([{ text: "Plain " }, { text: "answer." }]);
    const result = streamText({ model: provider.chat("gpt-test"), prompt: "Hi" });
    const { events } = await collect(
      toStreamEvents(result.fullStream, new AbortController().signal),
    );
    expect(runs(events).filter((run) => run !== "segment")).toEqual([
      "delta: Plain answer.",
      "done",
    ]);
  });

  it("reads a textStream (text only, no boundaries)", async () => {
    const provider = await providerFor(toolLoopScript);
    const result = streamText({
      model: provider.chat("gpt-test"),
      prompt: "Weather in Oslo?",
      tools: { weather },
      stopWhen: isStepCount(3),
    });
    const { events } = await collect(
      toStreamEvents({ textStream: result.textStream }, new AbortController().signal),
    );
    expect(runs(events)).toEqual(["delta: Let me look.It is sunny in Oslo.", "done"]);
  });

  it("reads reasoning from the Responses API provider", async () => {
    const provider = await providerFor([
      { reasoning: "Short question, " },
      { reasoning: "short answer." },
      { text: "Hello!" },
    ]);
    const result = streamText({ model: provider.responses("gpt-test"), prompt: "Hi" });
    const { events } = await collect(toStreamEvents(result, new AbortController().signal));
    expect(runs(events)).toEqual([
      "segment",
      "reasoning: Short question, short answer.",
      "delta: Hello!",
      "segment",
      "done",
    ]);
  });

  it("throws the stream's error part after the text before it", async () => {
    const provider = await providerFor([{ text: "Half an" }, { error: "Upstream timeout" }]);
    const result = streamText({
      model: provider.chat("gpt-test"),
      prompt: "Hi",
      onError: () => {},
    });
    const { events, error } = await collect(toStreamEvents(result, new AbortController().signal));
    expect(runs(events).filter((run) => run !== "segment")).toEqual(["delta: Half an"]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("Upstream timeout");
  });

  it("closes the HTTP request when a factory passes the signal on as abortSignal", async () => {
    const provider = await providerFor([
      { text: "Working on it" },
      { delay: 60_000 },
      { text: "never" },
    ]);
    const controller = new AbortController();
    const seen: string[] = [];
    const events = toStreamEvents(
      (signal) =>
        streamText({ model: provider.chat("gpt-test"), prompt: "Hi", abortSignal: signal }),
      controller.signal,
    );
    for await (const event of events) {
      if (event.type === "delta") {
        seen.push(event.text);
        controller.abort();
      }
    }
    expect(seen).toEqual(["Working on it"]);
    const outcome = await Promise.race([
      server?.requests[0]?.outcome,
      new Promise((resolve) => setTimeout(() => resolve("still open"), 2_000)),
    ]);
    expect(outcome).toBe("client-closed");
  });
});

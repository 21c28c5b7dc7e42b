/**
 * toStreamEvents over the AI SDK's UI message stream (`toUIMessageStream()`),
 * the model served by a local OpenAI-compatible server through `@ai-sdk/openai`.
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
  return createOpenAI({ apiKey: "test", baseURL: server.baseURL });
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

describe("AI SDK toUIMessageStream()", () => {
  it("reads text-delta, reasoning-delta and a tool step between two texts as one segment", async () => {
    const provider = await providerFor(({ index }) =>
      index === 0
        ? [
            { reasoning: "The user wants the weather." },
            { text: "Let me check." },
            { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
          ]
        : [{ text: "It is " }, { text: "sunny in Oslo." }],
    );
    const stream = streamText({
      model: provider.responses("m"),
      prompt: "Weather in Oslo?",
      tools: { weather },
      stopWhen: isStepCount(3),
    }).toUIMessageStream({ sendReasoning: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "segment",
      "reasoning: The user wants the weather.",
      "delta: Let me check.",
      "segment",
      "delta: It is sunny in Oslo.",
      "segment",
      "done",
    ]);
  });

  it("throws the error chunk's text (what onError made of the model's error), after the text before it", async () => {
    const provider = await providerFor([
      { text: "Partial " },
      { text: "answer" },
      { error: "overloaded" },
    ]);
    const stream = streamText({ model: provider.chat("m"), prompt: "Hi" }).toUIMessageStream({
      onError: (error) => `model failed: ${(error as Error).message}`,
    });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events).filter((run) => run !== "segment")).toEqual(["delta: Partial answer"]);
    expect((error as Error).message).toBe("model failed: overloaded");
  });
});

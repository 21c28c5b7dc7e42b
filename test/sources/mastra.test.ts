/**
 * toStreamEvents over a Mastra agent's `stream()` output, the model served by
 * a local OpenAI-compatible server. Mastra 0.24 takes AI SDK v5 models only
 * (the installed `@ai-sdk/openai` builds AI SDK v7 ones, which its `stream()`
 * rejects), so the agent gets the server through Mastra's own
 * OpenAI-compatible model config (`{ id, url, apiKey }`): real HTTP all the same.
 */
import { Agent } from "@mastra/core/agent";
import { jsonSchema, tool } from "ai";
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

const weather = tool({
  description: "Current weather for a city",
  inputSchema: jsonSchema<{ city: string }>({
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
  }),
  execute: async ({ city }) => `Sunny in ${city}`,
});

async function agentFor(script: OpenAIScript): Promise<Agent> {
  server = await startOpenAIServer(script);
  return new Agent({
    name: "assistant",
    instructions: "Answer briefly.",
    model: { id: "openai/gpt-test", url: server.baseURL, apiKey: "test" },
    // biome-ignore lint/suspicious/noExplicitAny: Mastra's tool type names AI SDK v5's; the shape is the same.
    tools: { weather: weather as any },
  });
}

describe("Mastra agent.stream()", () => {
  it("reads the output as it is: reasoning, and a tool step between two texts as one segment", async () => {
    const agent = await agentFor(({ index }) =>
      index === 0
        ? [
            { reasoning: "The user wants the weather." },
            { text: "Let me check." },
            { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
          ]
        : [{ text: "It is " }, { text: "sunny in Oslo." }],
    );
    const output = await agent.stream("Weather in Oslo?", { maxSteps: 3 });
    const { events, error } = await collect(toStreamEvents(output, new AbortController().signal));
    expect(error).toBeUndefined();
    // Step boundaries are segments too, as in the AI SDK; the chat ignores those without text before them.
    expect(runs(events)).toEqual([
      "segment",
      "reasoning: The user wants the weather.",
      "delta: Let me check.",
      "segment",
      "delta: It is sunny in Oslo.",
      "segment",
      "done",
    ]);
    expect(server?.requests).toHaveLength(2);
  });

  it("throws the model's error from the error chunk, after the text before it", async () => {
    const agent = await agentFor([
      { text: "Partial " },
      { text: "answer" },
      { error: "overloaded" },
    ]);
    const output = await agent.stream("Hi");
    const { events, error } = await collect(toStreamEvents(output, new AbortController().signal));
    expect(runs(events)).toEqual(["segment", "delta: Partial answer"]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("overloaded");
  });
});

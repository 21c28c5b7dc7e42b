/**
 * toStreamEvents over `@openai/agents`: `run(agent, input, { stream: true })`
 * with the real agents runtime and `openai` client, the model served by a
 * local OpenAI-compatible server (Responses API).
 */
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled, tool } from "@openai/agents";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toStreamEvents } from "../../shared/sources/index.js";
import {
  type OpenAIScript,
  type OpenAIServer,
  startOpenAIServer,
} from "../support/openai-server.js";
import { collect, runs } from "./collect.js";

// The agents runtime keeps its default client once used, so the file shares
// one server; each test sets the script its requests get.
let server: OpenAIServer | undefined;
let script: OpenAIScript = [];
let firstRequest = 0;

beforeAll(async () => {
  // Traces would be exported to api.openai.com; there is no network here.
  setTracingDisabled(true);
  server = await startOpenAIServer((request) =>
    typeof script === "function"
      ? script({ ...request, index: request.index - firstRequest })
      : script,
  );
  setDefaultOpenAIClient(new OpenAI({ apiKey: "test", baseURL: server.baseURL, maxRetries: 0 }));
});

afterAll(async () => {
  await server?.close();
});

function serve(next: OpenAIScript): void {
  script = next;
  firstRequest = server?.requests.length ?? 0;
}

/** The requests of the current test. */
function requests() {
  return server?.requests.slice(firstRequest) ?? [];
}

const weather = tool({
  name: "weather",
  description: "Current weather for a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
  execute: async (input) => `Sunny in ${(input as { city: string }).city}`,
});

describe("@openai/agents run(agent, input, { stream: true })", () => {
  it("reads text deltas, reasoning, and a tool call between two turns as one segment", async () => {
    serve(({ index }) =>
      index === 0
        ? [
            { reasoning: "The user wants the weather." },
            { text: "Let me check." },
            { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
          ]
        : [{ text: "It is " }, { text: "sunny in Oslo." }],
    );
    const agent = new Agent({ name: "Assistant", model: "gpt-test", tools: [weather] });
    const result = await run(agent, "Weather in Oslo?", { stream: true });
    const { events, error } = await collect(toStreamEvents(result, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "reasoning: The user wants the weather.",
      "delta: Let me check.",
      "segment",
      "delta: It is sunny in Oslo.",
      "done",
    ]);
    expect(result.finalOutput).toBe("It is sunny in Oslo.");
    expect(requests()).toHaveLength(2);
  });

  it("marks a hand-off to another agent as a segment", async () => {
    serve(({ index }) =>
      index === 0
        ? [
            { text: "Passing you to the weather desk." },
            { toolCall: { name: "transfer_to_Weather_desk", arguments: "{}" } },
          ]
        : [{ text: "Weather desk here: sunny." }],
    );
    const desk = new Agent({ name: "Weather desk", model: "gpt-test" });
    const triage = new Agent({ name: "Triage", model: "gpt-test", handoffs: [desk] });
    const result = await run(triage, "Weather?", { stream: true });
    const { events, error } = await collect(toStreamEvents(result, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "delta: Passing you to the weather desk.",
      "segment",
      "delta: Weather desk here: sunny.",
      "done",
    ]);
    expect(result.lastAgent?.name).toBe("Weather desk");
  });

  it("rethrows the run's error when the model fails mid-stream, after the text before it", async () => {
    serve([{ text: "Partial " }, { text: "answer" }, { error: "model overloaded" }]);
    const agent = new Agent({ name: "Assistant", model: "gpt-test" });
    const result = await run(agent, "Hi", { stream: true });
    const { events, error } = await collect(toStreamEvents(result, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Partial answer"]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("model overloaded");
  });
});

/**
 * toStreamEvents over LangChain: a chat model's `stream()` (AIMessageChunks
 * with string or content-block content) and `streamEvents()`, the model
 * calling a local OpenAI-compatible server over HTTP.
 */
import { HumanMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { DynamicTool } from "@langchain/core/tools";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { toStreamEvents } from "../../shared/sources/index.js";
import { OpenAICompatibleChatModel } from "../support/langchain-model.js";
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

async function modelFor(
  script: OpenAIScript,
  contentBlocks = false,
): Promise<OpenAICompatibleChatModel> {
  server = await startOpenAIServer(script);
  return new OpenAICompatibleChatModel({ baseURL: server.baseURL, contentBlocks });
}

const question = [new HumanMessage("What is the weather in Oslo?")];

/** The two model calls of a tool loop: the call, then the answer. */
const toolLoop: OpenAIScript = ({ index }) =>
  index === 0
    ? [
        { reasoning: "The user wants the weather." },
        { text: "Let me check." },
        { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
      ]
    : [{ reasoning: "Sunny, says the tool." }, { text: "It is " }, { text: "sunny in Oslo." }];

const expectedLoop = [
  "reasoning: The user wants the weather.",
  "delta: Let me check.",
  "segment",
  "reasoning: Sunny, says the tool.",
  "delta: It is sunny in Oslo.",
  "done",
];

describe("LangChain Runnable.stream() yielding AIMessageChunks", () => {
  it("reads string content as deltas and reasoning_content as reasoning", async () => {
    const model = await modelFor([{ reasoning: "Easy one." }, { text: "Hello" }, { text: "!" }]);
    const stream = await model.stream(question);
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual(["reasoning: Easy one.", "delta: Hello!", "done"]);
  });

  it("reads content blocks (text, reasoning) and tool_call_chunks between two texts as one segment", async () => {
    const model = await modelFor(toolLoop, true);
    async function* loop(signal: AbortSignal) {
      yield* await model.stream(question, { signal });
      yield* await model.stream(question, { signal });
    }
    const { events, error } = await collect(
      toStreamEvents((signal) => loop(signal), new AbortController().signal),
    );
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual(expectedLoop);
  });

  it("rethrows the model's error mid-stream after the text before it", async () => {
    const model = await modelFor([
      { text: "Partial " },
      { text: "answer" },
      { error: "overloaded" },
    ]);
    const stream = await model.stream(question);
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Partial answer"]);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("overloaded");
  });
});

describe("LangChain streamEvents()", () => {
  /** A chain that calls the model, runs the tool it asked for, and calls the model again. */
  function toolChain(model: OpenAICompatibleChatModel) {
    const weather = new DynamicTool({
      name: "weather",
      description: "Current weather for a city",
      func: async (city: string) => `Sunny in ${city}`,
    });
    return RunnableLambda.from(async (input: typeof question, config) => {
      await model.invoke(input, config);
      await weather.invoke("Oslo", config);
      return model.invoke(input, config);
    });
  }

  it("reads on_chat_model_stream chunks, a tool run between two model calls as one segment, and ends with the root run", async () => {
    const model = await modelFor(toolLoop, true);
    const events = toolChain(model).streamEvents(question, { version: "v2" });
    const { events: read, error } = await collect(
      toStreamEvents(events, new AbortController().signal),
    );
    expect(error).toBeUndefined();
    expect(runs(read)).toEqual(expectedLoop);
  });

  it("streamEvents of the chat model itself, string content", async () => {
    const model = await modelFor([{ text: "Just " }, { text: "text." }]);
    const events = model.streamEvents(question, { version: "v2" });
    const { events: read } = await collect(toStreamEvents(events, new AbortController().signal));
    expect(runs(read)).toEqual(["delta: Just text.", "done"]);
  });
});

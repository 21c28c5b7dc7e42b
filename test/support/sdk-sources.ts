/**
 * Every LLM SDK streamgram detects, set up the way an app would and pointed at
 * the local server that speaks its vendor's protocol: one table, so that the
 * grammY plugin and the Node-RED node are tested against the same SDK calls.
 */

import { createOpenAI } from "@ai-sdk/openai";
import Anthropic from "@anthropic-ai/sdk";
import { ApiError, GoogleGenAI } from "@google/genai";
import { HumanMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { DynamicTool } from "@langchain/core/tools";
import { Agent as MastraAgent } from "@mastra/core/agent";
import {
  Agent,
  tool as agentTool,
  OpenAIResponsesModel,
  run,
  setTracingDisabled,
} from "@openai/agents";
import { isStepCount, jsonSchema, streamText, tool } from "ai";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { startAnthropicServer } from "./anthropic-server.js";
import { startGeminiServer } from "./gemini-server.js";
import { OpenAICompatibleChatModel } from "./langchain-model.js";
import { startOllamaServer } from "./ollama-server.js";
import { startOpenAIServer } from "./openai-server.js";
import type { Script } from "./protocol-server.js";

/** A started local server: where the SDK goes, and how to stop it. */
export interface LocalServer {
  baseURL: string;
  /** Every streaming request so far; `outcome` is `"client-closed"` when the client hung up first. */
  requests: ReadonlyArray<{ outcome: Promise<string> }>;
  close(): Promise<void>;
}

/** One SDK (one way of streaming with it). */
export interface SdkCase {
  /** What the tests call it, e.g. "@anthropic-ai/sdk messages.stream()". */
  name: string;
  /** Start the local server of the SDK's vendor, playing `script`. */
  start(script: Script): Promise<LocalServer>;
  /**
   * What the app gets from the SDK for one user message, `signal` passed on
   * as the SDK takes it. `calls` is how many model calls the script serves:
   * an app that runs its own tool loop makes them one after the other;
   * frameworks with tools (agents, Mastra, the AI SDK) run the loop themselves.
   */
  open(baseURL: string, calls: number, signal?: AbortSignal): Promise<unknown>;
  /**
   * Whether a failure mid-stream arrives as a chunk (an error part: the
   * Node-RED node reports it to Catch), rather than thrown by the SDK's iterator.
   */
  failsAsChunk: boolean;
  /** The class of the error the SDK throws for a failure mid-stream. */
  errorClass: abstract new (
    ...args: never[]
  ) => Error;
  /**
   * Whether the chunks, fed one by one to a Node-RED node, say where the
   * answer ends; else the flow sends `done` itself. (`ctx.streamReply` ends at
   * the end of the source either way.)
   */
  endsItself: boolean;
}

/** The chunks of what {@link SdkCase.open} returned: a framework result's full stream, else the value itself. */
export function chunksOf(value: unknown): AsyncIterable<unknown> {
  const record = value as { fullStream?: AsyncIterable<unknown> };
  return record.fullStream ?? (value as AsyncIterable<unknown>);
}

const question = "What is the weather in Oslo?";

const anthropicRequest = {
  model: "claude-test",
  max_tokens: 1024,
  messages: [{ role: "user" as const, content: question }],
};

async function* sequence<T>(
  calls: number,
  one: () => Promise<AsyncIterable<T>>,
): AsyncGenerator<T> {
  for (let call = 0; call < calls; call++) yield* await one();
}

const weatherSchema = {
  type: "object" as const,
  properties: { city: { type: "string" as const } },
  required: ["city"],
  additionalProperties: false,
};

const aiSdkWeather = tool({
  description: "Current weather for a city",
  inputSchema: jsonSchema<{ city: string }>(weatherSchema),
  execute: async ({ city }) => `Sunny in ${city}`,
});

/** Every SDK of issue 12, each against its vendor's protocol. */
export const SDK_CASES: readonly SdkCase[] = [
  {
    name: "@anthropic-ai/sdk messages.create({ stream: true })",
    start: startAnthropicServer,
    async open(baseURL, calls, signal) {
      const client = new Anthropic({ apiKey: "test", baseURL, maxRetries: 0 });
      return sequence(calls, () =>
        client.messages.create({ ...anthropicRequest, stream: true }, { signal }),
      );
    },
    failsAsChunk: false,
    errorClass: Anthropic.APIError,
    endsItself: true,
  },
  {
    name: "@anthropic-ai/sdk messages.stream()",
    start: startAnthropicServer,
    async open(baseURL, calls, signal) {
      const client = new Anthropic({ apiKey: "test", baseURL, maxRetries: 0 });
      if (calls === 1) return client.messages.stream(anthropicRequest, { signal });
      return sequence(calls, async () => client.messages.stream(anthropicRequest, { signal }));
    },
    failsAsChunk: false,
    errorClass: Anthropic.APIError,
    endsItself: true,
  },
  {
    name: "@google/genai models.generateContentStream()",
    start: startGeminiServer,
    async open(baseURL, calls, signal) {
      const ai = new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: baseURL } });
      return sequence(calls, () =>
        ai.models.generateContentStream({
          model: "gemini-test",
          contents: question,
          config: { thinkingConfig: { includeThoughts: true }, abortSignal: signal },
        }),
      );
    },
    failsAsChunk: false,
    errorClass: ApiError,
    endsItself: true,
  },
  {
    name: "ollama chat({ stream: true })",
    start: startOllamaServer,
    async open(baseURL, calls, signal) {
      const ollama = new Ollama({ host: baseURL });
      const messages = [{ role: "user", content: question }];
      const chat = () => ollama.chat({ model: "llama-test", messages, stream: true, think: true });
      // One call: its stream as it is (streamgram calls its abort()). A loop: the client takes
      // no per-request signal, so the app aborts the client's streams when the signal fires.
      if (calls === 1) return chat();
      signal?.addEventListener("abort", () => ollama.abort(), { once: true });
      return sequence(calls, chat);
    },
    failsAsChunk: false,
    errorClass: Error,
    endsItself: true,
  },
  {
    name: "LangChain Runnable.stream()",
    start: startOpenAIServer,
    async open(baseURL, calls, signal) {
      const model = new OpenAICompatibleChatModel({ baseURL: `${baseURL}`, contentBlocks: true });
      return sequence(calls, () => model.stream([new HumanMessage(question)], { signal }));
    },
    failsAsChunk: false,
    errorClass: OpenAI.APIError,
    endsItself: false,
  },
  {
    name: "LangChain streamEvents()",
    start: startOpenAIServer,
    async open(baseURL, calls, signal) {
      const model = new OpenAICompatibleChatModel({ baseURL });
      const weather = new DynamicTool({
        name: "weather",
        description: "Current weather for a city",
        func: async (city: string) => `Sunny in ${city}`,
      });
      // The app's chain: the model, the tool it asked for, the model again.
      const chain = RunnableLambda.from(async (input: HumanMessage[], config) => {
        let answer = await model.invoke(input, config);
        for (let call = 1; call < calls; call++) {
          await weather.invoke("Oslo", config);
          answer = await model.invoke(input, config);
        }
        return answer;
      });
      return chain.streamEvents([new HumanMessage(question)], { version: "v2", signal });
    },
    failsAsChunk: false,
    errorClass: OpenAI.APIError,
    endsItself: false,
  },
  {
    name: "@openai/agents run(agent, input, { stream: true })",
    start: startOpenAIServer,
    async open(baseURL, _calls, signal) {
      setTracingDisabled(true);
      const client = new OpenAI({ apiKey: "test", baseURL, maxRetries: 0 });
      const weather = agentTool({
        name: "weather",
        description: "Current weather for a city",
        // biome-ignore lint/suspicious/noExplicitAny: a JSON schema; the typings expect a literal type.
        parameters: weatherSchema as any,
        strict: true,
        execute: async (input) => `Sunny in ${(input as { city: string }).city}`,
      });
      const agent = new Agent({
        name: "Assistant",
        model: new OpenAIResponsesModel(client, "gpt-test"),
        tools: [weather],
      });
      return run(agent, question, { stream: true, signal });
    },
    failsAsChunk: false,
    errorClass: Error,
    endsItself: false,
  },
  {
    name: "Mastra agent.stream()",
    start: startOpenAIServer,
    async open(baseURL, _calls, signal) {
      // Mastra 0.24 takes AI SDK v5 models only; its own OpenAI-compatible config reaches the server.
      const agent = new MastraAgent({
        name: "assistant",
        instructions: "Answer briefly.",
        model: { id: "openai/gpt-test", url: baseURL, apiKey: "test" },
        // biome-ignore lint/suspicious/noExplicitAny: Mastra's tool type names AI SDK v5's; the shape is the same.
        tools: { weather: aiSdkWeather as any },
      });
      return agent.stream(question, { maxSteps: 3, ...(signal ? { abortSignal: signal } : {}) });
    },
    failsAsChunk: true,
    errorClass: Error,
    endsItself: true,
  },
  {
    name: "AI SDK toUIMessageStream()",
    start: startOpenAIServer,
    async open(baseURL, _calls, signal) {
      const provider = createOpenAI({ apiKey: "test", baseURL });
      return streamText({
        model: provider.responses("m"),
        prompt: question,
        tools: { weather: aiSdkWeather },
        stopWhen: isStepCount(3),
        ...(signal ? { abortSignal: signal } : {}),
      }).toUIMessageStream({
        sendReasoning: true,
        onError: (error) => (error instanceof Error ? error.message : String(error)),
      });
    },
    failsAsChunk: true,
    errorClass: Error,
    endsItself: true,
  },
];

/** The usual tool loop: reasoning and text, a tool call, then the answer after the tool's result. */
export const TOOL_LOOP: Script = ({ index }) =>
  index === 0
    ? [
        { reasoning: "The user wants the weather." },
        { text: "Let me " },
        { delay: 10 },
        { text: "check." },
        { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
      ]
    : [{ text: "It is " }, { delay: 10 }, { text: "sunny in Oslo." }];

/** What {@link TOOL_LOOP} shows: two messages, the reasoning hidden. */
export const TOOL_LOOP_MESSAGES = ["Let me check.", "It is sunny in Oslo."];

/** A model that fails mid-answer. */
export const FAILING: Script = [
  { text: "The first half " },
  { delay: 20 },
  { text: "made it." },
  { error: "model overloaded" },
];

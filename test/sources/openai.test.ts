/**
 * toStreamEvents over the real `openai` client, streaming from a local
 * OpenAI-compatible server (Chat Completions and Responses API).
 */
import OpenAI from "openai";
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

async function clientFor(script: OpenAIScript): Promise<OpenAI> {
  server = await startOpenAIServer(script);
  return new OpenAI({ apiKey: "test", baseURL: server.baseURL, maxRetries: 0 });
}

/** Resolves with the request's outcome, or "still open" if it has not ended within `ms`. */
function outcomeWithin(index: number, ms: number): Promise<string> {
  const request = server?.requests[index];
  if (request === undefined) throw new Error(`no request #${index} was made`);
  return Promise.race([
    request.outcome,
    new Promise<string>((resolve) => setTimeout(() => resolve("still open"), ms)),
  ]);
}

const messages = [{ role: "user" as const, content: "What is the weather in Oslo?" }];

describe("openai Chat Completions stream", () => {
  it("streams text as deltas and ends with done", async () => {
    const client = await clientFor([{ text: "Hello" }, { text: ", " }, { text: "world!" }]);
    const stream = await client.chat.completions.create({ model: "m", messages, stream: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual(["delta: Hello, world!", "done"]);
  });

  it("reads reasoning_content as reasoning, before the answer", async () => {
    const client = await clientFor([
      { reasoning: "The user wants " },
      { reasoning: "the weather." },
      { text: "Sunny." },
    ]);
    const stream = await client.chat.completions.create({ model: "m", messages, stream: true });
    const { events } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual([
      "reasoning: The user wants the weather.",
      "delta: Sunny.",
      "done",
    ]);
  });

  it("marks one segment between the text before a tool call and the text after it", async () => {
    // A tool loop as an app writes it: one request with a tool call, then one with the answer.
    const client = await clientFor(({ index }) =>
      index === 0
        ? [
            { text: "Let me check." },
            { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
            { toolCall: { name: "time", arguments: '{"zone":"Europe/Oslo"}' } },
          ]
        : [{ text: "It is sunny in Oslo." }],
    );
    async function* toolLoop(signal: AbortSignal) {
      const first = await client.chat.completions.create(
        { model: "m", messages, stream: true },
        { signal },
      );
      yield* first;
      const second = await client.chat.completions.create(
        { model: "m", messages, stream: true },
        { signal },
      );
      yield* second;
    }
    const { events, error } = await collect(
      toStreamEvents((signal) => toolLoop(signal), new AbortController().signal),
    );
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "delta: Let me check.",
      "segment",
      "delta: It is sunny in Oslo.",
      "done",
    ]);
    expect(server?.requests).toHaveLength(2);
  });

  it("ends at the finish chunk, with the whole answer, when a usage chunk follows", async () => {
    const client = await clientFor([{ text: "Short answer." }]);
    const stream = await client.chat.completions.create({
      model: "m",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const { events } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Short answer.", "done"]);
  });

  it("throws the server's mid-stream error after the text that came before it", async () => {
    const client = await clientFor([
      { text: "Partial " },
      { text: "answer" },
      { error: "Model overloaded" },
    ]);
    const stream = await client.chat.completions.create({ model: "m", messages, stream: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Partial answer"]);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("Model overloaded");
  });

  it("closes the HTTP request at once when the signal aborts while a read is pending", async () => {
    const client = await clientFor([
      { text: "Thinking about it" },
      { delay: 60_000 },
      { text: "never" },
    ]);
    const stream = await client.chat.completions.create({ model: "m", messages, stream: true });
    const controller = new AbortController();
    const seen: string[] = [];
    const started = Date.now();
    for await (const event of toStreamEvents(stream, controller.signal)) {
      if (event.type === "delta") seen.push(event.text);
      // Abort while the next read waits on the silent server, as a stop button would.
      setTimeout(() => controller.abort(), 20);
    }
    expect(seen).toEqual(["Thinking about it"]);
    expect(await outcomeWithin(0, 2_000)).toBe("client-closed");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("aborts the request through the factory's signal while the stream is being created", async () => {
    const client = await clientFor([{ delay: 60_000 }, { text: "never" }]);
    const controller = new AbortController();
    const events = toStreamEvents(
      (signal) =>
        client.chat.completions.create({ model: "m", messages, stream: true }, { signal }),
      controller.signal,
    );
    const reading = collect(events);
    while (server?.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(await reading).toEqual({ events: [], error: undefined });
    expect(await outcomeWithin(0, 2_000)).toBe("client-closed");
  });
});

describe("openai Responses API stream", () => {
  it("streams reasoning summaries and text", async () => {
    const client = await clientFor([
      { reasoning: "**Answering** " },
      { reasoning: "Keep it short." },
      { text: "Hi " },
      { text: "there." },
    ]);
    const stream = await client.responses.create({ model: "m", input: "Hi", stream: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "reasoning: **Answering** Keep it short.",
      "delta: Hi there.",
      "done",
    ]);
  });

  it("marks a segment at a function call and continues into the next response", async () => {
    const client = await clientFor(({ index }) =>
      index === 0
        ? [{ text: "Checking the forecast." }, { toolCall: { name: "weather", arguments: "{}" } }]
        : [{ reasoning: "Got the data." }, { text: "Sunny, 21 °C." }],
    );
    async function* toolLoop(signal: AbortSignal) {
      yield* await client.responses.create({ model: "m", input: "Hi", stream: true }, { signal });
      yield* await client.responses.create({ model: "m", input: "Hi", stream: true }, { signal });
    }
    const { events, error } = await collect(
      toStreamEvents((signal) => toolLoop(signal), new AbortController().signal),
    );
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "delta: Checking the forecast.",
      "segment",
      "reasoning: Got the data.",
      "delta: Sunny, 21 °C.",
      "done",
    ]);
  });

  it("throws on an error event, after the text before it", async () => {
    const client = await clientFor([{ text: "Half" }, { error: "Rate limit reached" }]);
    const stream = await client.responses.create({ model: "m", input: "Hi", stream: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Half"]);
    expect((error as Error).message).toContain("Rate limit reached");
  });

  it("throws the message of a response.failed event", async () => {
    const client = await clientFor([
      { text: "Half" },
      { error: "The model produced invalid output", as: "response.failed" },
    ]);
    const stream = await client.responses.create({ model: "m", input: "Hi", stream: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Half"]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("The model produced invalid output (server_error)");
  });

  it("closes the HTTP request when the signal aborts mid-stream", async () => {
    const client = await clientFor([{ text: "Start" }, { delay: 60_000 }, { text: "never" }]);
    const stream = await client.responses.create({ model: "m", input: "Hi", stream: true });
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of toStreamEvents(stream, controller.signal)) {
      if (event.type === "delta") seen.push(event.text);
      controller.abort();
    }
    expect(seen).toEqual(["Start"]);
    expect(await outcomeWithin(0, 2_000)).toBe("client-closed");
  });
});

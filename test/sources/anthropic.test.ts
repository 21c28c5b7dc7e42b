/**
 * toStreamEvents over the real `@anthropic-ai/sdk` client, streaming from a
 * local server that speaks Anthropic's SSE protocol: `messages.create({ stream: true })`
 * and the `messages.stream()` helper.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { toStreamEvents } from "../../shared/sources/index.js";
import { startAnthropicServer } from "../support/anthropic-server.js";
import type { ProtocolServer, Script } from "../support/protocol-server.js";
import { collect, runs } from "./collect.js";

let server: ProtocolServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(script: Script): Promise<Anthropic> {
  server = await startAnthropicServer(script);
  return new Anthropic({ apiKey: "test", baseURL: server.baseURL, maxRetries: 0 });
}

const request = {
  model: "claude-test",
  max_tokens: 1024,
  messages: [{ role: "user" as const, content: "What is the weather in Oslo?" }],
};

/** Two messages of a tool loop, as an app streams them: the tool call, then the answer. */
const toolLoop: Script = ({ index }) =>
  index === 0
    ? [
        { reasoning: "The user wants the weather." },
        { text: "Let me check." },
        { toolCall: { name: "weather", arguments: '{"city":"Oslo"}' } },
      ]
    : [{ reasoning: "Sunny, says the tool." }, { text: "It is " }, { text: "sunny in Oslo." }];

describe("@anthropic-ai/sdk messages.create({ stream: true })", () => {
  it("streams text as deltas and ends at message_stop", async () => {
    const client = await clientFor([{ text: "Hello" }, { text: ", " }, { text: "world!" }]);
    const stream = await client.messages.create({ ...request, stream: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual(["delta: Hello, world!", "done"]);
  });

  it("reads thinking as reasoning, and a tool_use block between two texts as one segment", async () => {
    const client = await clientFor(toolLoop);
    async function* loop(signal: AbortSignal) {
      yield* await client.messages.create({ ...request, stream: true }, { signal });
      yield* await client.messages.create({ ...request, stream: true }, { signal });
    }
    const { events, error } = await collect(
      toStreamEvents((signal) => loop(signal), new AbortController().signal),
    );
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "reasoning: The user wants the weather.",
      "delta: Let me check.",
      "segment",
      "reasoning: Sunny, says the tool.",
      "delta: It is sunny in Oslo.",
      "done",
    ]);
    expect(server?.requests).toHaveLength(2);
  });

  it("throws the SDK's own error for an error event mid-stream, after the text before it", async () => {
    const client = await clientFor([
      { text: "Partial " },
      { text: "answer" },
      { error: "Overloaded" },
    ]);
    const stream = await client.messages.create({ ...request, stream: true });
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Partial answer"]);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain("Overloaded");
  });

  it("closes the HTTP request at once when the signal aborts while a read is pending", async () => {
    const client = await clientFor([
      { text: "Thinking about it" },
      { delay: 60_000 },
      { text: "never" },
    ]);
    const stream = await client.messages.create({ ...request, stream: true });
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of toStreamEvents(stream, controller.signal)) {
      if (event.type === "delta") seen.push(event.text);
      setTimeout(() => controller.abort(), 20);
    }
    expect(seen).toEqual(["Thinking about it"]);
    expect(await server?.requests[0]?.outcome).toBe("client-closed");
  });
});

describe("@anthropic-ai/sdk messages.stream() (MessageStream)", () => {
  it("reads the helper as it is, thinking, tool call and all", async () => {
    const client = await clientFor(toolLoop);
    const { events, error } = await collect(
      toStreamEvents(
        (signal) =>
          (async function* () {
            yield* client.messages.stream(request, { signal });
            yield* client.messages.stream(request, { signal });
          })(),
        new AbortController().signal,
      ),
    );
    expect(error).toBeUndefined();
    expect(runs(events)).toEqual([
      "reasoning: The user wants the weather.",
      "delta: Let me check.",
      "segment",
      "reasoning: Sunny, says the tool.",
      "delta: It is sunny in Oslo.",
      "done",
    ]);
  });

  it("reads one MessageStream handed over directly, and its final message agrees", async () => {
    const client = await clientFor([{ text: "Just " }, { text: "text." }]);
    const stream = client.messages.stream(request);
    const { events } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Just text.", "done"]);
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "Just text." }]);
  });

  it("rethrows the SDK's error from a MessageStream that fails mid-stream", async () => {
    const client = await clientFor([{ text: "Half" }, { error: "Overloaded" }]);
    const stream = client.messages.stream(request);
    const { events, error } = await collect(toStreamEvents(stream, new AbortController().signal));
    expect(runs(events)).toEqual(["delta: Half"]);
    expect(error).toBeInstanceOf(Anthropic.APIError);
  });

  it("aborts the MessageStream's request when the signal aborts", async () => {
    const client = await clientFor([{ text: "Slow" }, { delay: 60_000 }, { text: "never" }]);
    const stream = client.messages.stream(request);
    const controller = new AbortController();
    for await (const event of toStreamEvents(stream, controller.signal)) {
      if (event.type === "delta") setTimeout(() => controller.abort(), 20);
    }
    expect(await server?.requests[0]?.outcome).toBe("client-closed");
    expect(stream.aborted).toBe(true);
  });
});
